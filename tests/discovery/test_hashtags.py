"""Hashtag rows follow captions through publish, edit, removal, takedown and deletion; hashtag
pages and follows over the API."""

import pytest

from discovery.models import Hashtag, HashtagFollow, VideoHashtag
from feed import services as feed_services
from feed.models import Video
from tests.factories import JobFactory, VideoFactory


def counts():
    return dict(Hashtag.objects.values_list("name", "video_count"))


def tags_of(video):
    return set(VideoHashtag.objects.filter(video=video).values_list("hashtag__name", flat=True))


def test_publish_parses_tags_and_counts(user, make_video):
    video = make_video(user, caption="Waves #Beach #sunset #beach")
    assert tags_of(video) == {"beach", "sunset"}
    assert counts() == {"beach": 1, "sunset": 1}
    make_video(user, caption="#beach day")
    assert counts() == {"beach": 2, "sunset": 1}


def test_caption_edit_keeps_rows_and_counts_in_sync(user, make_video):
    video = make_video(user, caption="#beach #sunset")
    feed_services.update_video(user, video.id, caption="now #sunrise and #beach")
    assert tags_of(video) == {"beach", "sunrise"}
    assert counts() == {"beach": 1, "sunset": 0, "sunrise": 1}
    feed_services.update_video(user, video.id, caption="no tags")
    assert tags_of(video) == set()
    assert counts() == {"beach": 0, "sunset": 0, "sunrise": 0}


def test_removal_restore_takedown_and_deletion_keep_counts_right(user, make_video):
    video = make_video(user, caption="#cats")
    other = make_video(user, caption="#cats")
    feed_services.hide_video(video, status=Video.Status.REMOVED, reason="moderator")
    assert counts() == {"cats": 1}
    feed_services.restore_video(video)
    assert counts() == {"cats": 2}
    feed_services.take_down_video(video, reason="consent")
    assert counts() == {"cats": 1}
    feed_services.delete_video(user, other.id)
    assert counts() == {"cats": 0}
    # an edit of a hidden video moves rows but counts nothing
    assert tags_of(video) == {"cats"}


def test_erasing_the_author_uncounts_their_tags(user, other_user, make_video):
    make_video(user, caption="#cats at home")
    make_video(other_user, caption="#cats too")
    assert counts() == {"cats": 2}
    feed_services.erase_user_activity(user)  # the user_erased receiver of DELETE me
    assert counts() == {"cats": 1}


def test_held_caption_is_not_counted_until_restored(user, make_video, settings):
    video = make_video(user, caption="#cats", status="held")
    assert counts() == {"cats": 0}
    feed_services.restore_video(video)
    assert counts() == {"cats": 1}


def test_a_failed_publish_writes_no_hashtag(user, make_video):
    from feed.exceptions import AlreadyPublished

    video = make_video(user, caption="#first")
    with pytest.raises(AlreadyPublished):
        feed_services.publish_video(user, video.job, caption="#second")
    assert set(counts()) == {"first"}


def test_video_responses_carry_caption_entities(user, make_video, auth_client):
    video = make_video(user, caption="😀 #Beach")
    body = auth_client(user).get(f"/api/v1/videos/{video.id}").json()
    assert body["caption_entities"] == [{"type": "hashtag", "tag": "beach", "start": 3, "end": 9}]


def test_hashtag_page_new_and_top(user, other_user, make_video, auth_client):
    from datetime import timedelta

    old = make_video(other_user, caption="#beach old", likes=50, age=timedelta(hours=2))
    new = make_video(other_user, caption="#beach new", likes=0)
    make_video(other_user, caption="#mountain")
    client = auth_client(user)
    body = client.get("/api/v1/hashtags/Beach?sort=new").json()
    assert [v["id"] for v in body["results"]] == [str(new.id), str(old.id)]
    assert body["hashtag"] == {
        "tag": "beach",
        "video_count": 2,
        "follower_count": 0,
        "followed_by_me": False,
    }
    body = client.get("/api/v1/hashtags/%23beach?sort=top").json()
    assert [v["id"] for v in body["results"]] == [str(old.id), str(new.id)]


def test_top_page_follows_likes_unlikes_and_caption_edits(
    user, other_user, make_user, make_video, auth_client
):
    """The tag's rows carry a copy of the video's hot score (a trigger on feed_video): each
    like, unlike and comment moves the video on the tag's `top` page at once, and a video
    that gains the tag by a caption edit enters with the score it already has."""
    first = make_video(other_user, caption="#beach first", likes=3)
    second = make_video(other_user, caption="#beach second", likes=2)
    client = auth_client(user)

    def top(tag="beach"):
        return [v["id"] for v in client.get(f"/api/v1/hashtags/{tag}?sort=top").json()["results"]]

    assert top() == [str(first.id), str(second.id)]
    fans = [make_user(f"fan{i}") for i in range(20)]
    for fan in fans:
        feed_services.like_video(fan, second.pk)
    assert top() == [str(second.id), str(first.id)]
    for fan in fans:
        feed_services.unlike_video(fan, second.pk)
    assert top() == [str(first.id), str(second.id)]
    for fan in fans[:5]:
        feed_services.add_comment(fan, first.pk, body="nice")
    mountain = make_video(other_user, caption="#mountain", likes=40)
    assert top("mountain") == [str(mountain.id)]
    feed_services.update_video(other_user, mountain.pk, caption="#mountain #beach view")
    assert top() == [str(mountain.id), str(first.id), str(second.id)]
    scores = dict(Video.objects.values_list("id", "hot_score"))
    for link in VideoHashtag.objects.all():
        assert link.hot_score == scores[link.video_id]


@pytest.mark.parametrize("sort", ["new", "top"])
def test_hashtag_pages_are_cursor_paginated_without_repeats(
    sort, user, other_user, make_video, auth_client
):
    from datetime import timedelta

    made = {
        str(make_video(other_user, caption=f"#beach {i}", likes=i, age=timedelta(minutes=i)).id)
        for i in range(7)
    }
    client = auth_client(user)
    url, seen = f"/api/v1/hashtags/beach?sort={sort}&page_size=3", []
    while url:
        body = client.get(url).json()
        seen += [v["id"] for v in body["results"]]
        url = body["next"]
    assert len(seen) == 7 and set(seen) == made


def test_hashtag_page_respects_visibility_blocks_and_removals(
    user, other_user, make_user, make_video, auth_client
):
    from accounts.services.users import block_user

    shown = make_video(other_user, caption="#beach public")
    make_video(other_user, caption="#beach private", visibility="private")
    make_video(other_user, caption="#beach followers", visibility="followers")
    make_video(other_user, caption="#beach removed", status="removed")
    blocker = make_user("blocker")
    make_video(blocker, caption="#beach blocked")
    block_user(blocker, user)
    for sort in ("new", "top"):
        body = auth_client(user).get(f"/api/v1/hashtags/beach?sort={sort}").json()
        assert [v["id"] for v in body["results"]] == [str(shown.id)]


def test_hashtag_page_bad_input(user, make_video, auth_client):
    make_video(user, caption="#beach")
    client = auth_client(user)
    assert client.get("/api/v1/hashtags/nope").status_code == 404
    response = client.get("/api/v1/hashtags/beach?sort=hot")
    assert response.status_code == 400 and "sort" in response.json()
    response = client.get("/api/v1/hashtags/beach?cursor=garbage")
    assert response.status_code == 400
    assert client.get("/api/v1/hashtags/" + "a" * 60).status_code == 404


def test_follow_is_idempotent_and_unknown_tags_404(user, make_video, auth_client):
    make_video(user, caption="#beach")
    client = auth_client(user)
    assert client.post("/api/v1/hashtags/nope/follow").status_code == 404
    for _ in range(2):
        response = client.post("/api/v1/hashtags/BEACH/follow")
        assert response.status_code == 201
        assert response.json()["followed_by_me"] is True
    assert Hashtag.objects.get(name="beach").follower_count == 1
    assert HashtagFollow.objects.filter(user=user).count() == 1
    for _ in range(2):
        assert client.delete("/api/v1/hashtags/beach/follow").status_code == 204
    assert Hashtag.objects.get(name="beach").follower_count == 0
    assert client.delete("/api/v1/hashtags/nope/follow").status_code == 404


def test_signed_out_is_401(api_client, user, make_video):
    make_video(user, caption="#beach")
    assert api_client.get("/api/v1/hashtags/beach").status_code == 401
    assert api_client.post("/api/v1/hashtags/beach/follow").status_code == 401


def test_revoked_cameo_consent_takes_the_video_off_both_hashtag_pages(
    user, other_user, make_user, make_video, auth_client
):
    """A video showing a cameo leaves the tag's `top` and `new` pages at the revocation (the
    per-row visibility check of the hashtag rows), while its hashtag rows stay."""
    from accounts.models import Cameo
    from accounts.services.cameos import revoke_cameo_consent
    from generation.models import JobCameo
    from tests.factories import JobFactory, VideoFactory

    carol = make_user("carol")
    cameo = Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip="cameos/carol.mp4"
    )
    job = JobFactory(user=other_user, status="succeeded", policy={})
    JobCameo.objects.create(job=job, cameo=cameo)
    with_cameo = VideoFactory(author=other_user, job=job, caption="#beach with carol", likes=9)
    plain = make_video(other_user, caption="#beach plain")
    client = auth_client(user)

    def page(sort):
        body = client.get(f"/api/v1/hashtags/beach?sort={sort}").json()
        return {v["id"] for v in body["results"]}

    assert page("top") == page("new") == {str(with_cameo.id), str(plain.id)}
    revoke_cameo_consent(carol)
    assert page("top") == page("new") == {str(plain.id)}
    assert VideoHashtag.objects.filter(video=with_cameo).exists()


def test_search_and_hashtag_pages_serialize_exactly_like_the_video_serializer(
    user, other_user, make_user, make_video, auth_client
):
    """On PostgreSQL these pages are built from tuples by a compiled query (as the for-you
    page), not by VideoSerializer; the JSON must be the same: cameos, renditions, likes,
    remixes, the caller's own held video."""
    import json

    from accounts.models import Cameo
    from config.renderers import JSONRenderer
    from feed import selectors
    from feed.serializers import VideoSerializer
    from generation.models import JobCameo

    source = make_video(other_user, caption="#sea the source", likes=2)
    job = JobFactory(user=other_user, status="succeeded", policy={}, remix_of=source.id)
    remix = VideoFactory(author=other_user, job=job, caption="#sea a remix", likes=5)
    cameo = Cameo.objects.create(owner=make_user("face"), status="active", source_clip="c")
    JobCameo.objects.create(job=remix.job, cameo=cameo)
    feed_services.like_video(user, remix.pk)
    held = make_video(user, caption="#sea mine, held", status="held")
    client = auth_client(user)
    pages = [
        client.get("/api/v1/hashtags/sea?sort=new").json()["results"],
        client.get("/api/v1/hashtags/sea?sort=top").json()["results"],
        client.get("/api/v1/search", {"q": "sea"}).json()["results"],
    ]
    videos = selectors.with_page_data(
        list(selectors.page_videos(Video.objects.filter(pk__in=[source.pk, remix.pk]), user)),
        user,
    )
    expected = {
        str(video.id): json.loads(JSONRenderer().render(VideoSerializer(video).data))
        for video in videos
    }
    for results in pages:
        assert str(held.id) not in {video["id"] for video in results}  # held: not published
        assert {video["id"] for video in results} == set(expected)
        assert results == [expected[video["id"]] for video in results]
    assert expected[str(remix.id)]["cameos"] == [{"id": str(cameo.id), "handle": "face"}]
    assert expected[str(remix.id)]["liked_by_me"] is True
    assert expected[str(remix.id)]["renditions"]
    assert expected[str(remix.id)]["remix_of"] == str(source.id)
