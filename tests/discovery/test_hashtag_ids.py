"""feed_video.hashtag_ids, the row's copy of its hashtag rows that the for-you candidates read
(migration 0005's triggers, PostgreSQL): equal to the rows after every way they change."""

import pytest
from django.db import connection

from discovery.models import Hashtag, VideoHashtag
from feed import services as feed_services

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


def copied_ids(video) -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hashtag_ids FROM feed_video WHERE id = %s", [video.pk])
        return cursor.fetchone()[0]


def row_ids(video) -> list:
    return sorted(VideoHashtag.objects.filter(video=video).values_list("hashtag_id", flat=True))


def ids_of(*names) -> list:
    return sorted(Hashtag.objects.filter(name__in=names).values_list("pk", flat=True))


def test_publish_and_caption_edits_keep_the_copy_equal_to_the_rows(user, make_video):
    video = make_video(user, caption="Waves #beach #sunset")
    assert copied_ids(video) == row_ids(video) == ids_of("beach", "sunset")
    feed_services.update_video(user, video.id, caption="now #sunrise and #beach")
    assert copied_ids(video) == row_ids(video) == ids_of("beach", "sunrise")
    feed_services.update_video(user, video.id, caption="no tags")
    assert copied_ids(video) == [] == row_ids(video)


def test_rows_written_outside_the_service_are_copied_too(user, make_video):
    """Bulk SQL (a COPY in the seed, a test's INSERT), a delete and a row re-pointed to
    another video: the triggers see each statement, whoever wrote it."""
    first = make_video(user, caption="#cats")
    second = make_video(user, caption="no tags yet")
    dogs = Hashtag.objects.create(name="dogs")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO discovery_videohashtag (video_id, hashtag_id, published_at, hot_score)"
            " SELECT id, %s, published_at, hot_score FROM feed_video WHERE id IN (%s, %s)",
            [dogs.pk, first.pk, second.pk],
        )
    assert copied_ids(first) == ids_of("cats", "dogs")
    assert copied_ids(second) == ids_of("dogs")
    VideoHashtag.objects.filter(video=first, hashtag=dogs).delete()
    assert copied_ids(first) == row_ids(first) == ids_of("cats")
    VideoHashtag.objects.filter(video=second, hashtag=dogs).update(video=first.pk)
    assert copied_ids(first) == row_ids(first) == ids_of("cats", "dogs")
    assert copied_ids(second) == [] == row_ids(second)


def _video_row_updates() -> int:
    """Rows of feed_video updated so far in this transaction (the test's)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'feed_video'"
        )
        return cursor.fetchone()[0]


def test_a_like_rewrites_the_rows_hot_score_but_not_the_copy(user, other_user, make_video):
    """The like's hot-score trigger (migration 0004) updates the tag rows; the copy's triggers
    must not run for it, or every like would rewrite the video row a second time."""
    video = make_video(user, caption="#cats #dogs")
    before = _video_row_updates()
    feed_services.like_video(other_user, video.id)
    assert _video_row_updates() - before == 1  # the like's own counter update, only
    video.refresh_from_db()
    hot = set(VideoHashtag.objects.filter(video=video).values_list("hot_score", flat=True))
    assert hot == {video.hot_score}  # the rows followed the like
    assert copied_ids(video) == ids_of("cats", "dogs")
