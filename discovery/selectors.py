"""Read queries of discovery: hashtag pages, trends, and serialized video pages through the
feed's one visibility selector (feed.selectors.visible_videos)."""

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from discovery.models import Hashtag, HashtagFollow, Trend, VideoHashtag
from discovery.services import access_hashtag, visible_trends_q
from feed import selectors as feed_selectors
from feed.models import Video
from feed.serializers import VideoSerializer, page_row_dict

TRENDS_SHOWN = 20


def video_results(user, ids: list) -> list[dict]:
    """The videos of `ids` that `user` may see, serialized as feeds show them, in that order.

    On PostgreSQL one compiled statement (feed.selectors.visible_page_rows, as the for-you
    page): building the querysets and model instances cost more than the queries. Elsewhere,
    and for a caller without an account, three queries whatever the page holds."""
    if not ids:
        return []
    if connection.vendor == "postgresql" and user is not None and user.is_authenticated:
        return [page_row_dict(*row) for row in feed_selectors.visible_page_rows(user, ids)]
    found = {
        video.id: video
        for video in feed_selectors.page_videos(
            feed_selectors.visible_videos(user).filter(pk__in=ids), user
        )
    }
    page = feed_selectors.with_page_data([found[i] for i in ids if i in found], user)
    return list(VideoSerializer(page, many=True).data)


def _followed_by(user):
    viewer_id = user.pk if user is not None and user.is_authenticated else 0  # 0: nobody
    return Exists(HashtagFollow.objects.filter(user_id=viewer_id, hashtag=OuterRef("pk")))


def hashtag_for(user, tag: str) -> Hashtag:
    """The hashtag with `followed_by_me` for `user`; NotFound for an unknown tag."""
    return access_hashtag(tag, Hashtag.objects.annotate(followed_by_me=_followed_by(user)))


def _visible_links(user, hashtag: Hashtag) -> QuerySet[VideoHashtag]:
    """The tag's rows whose video `user` may see (published), each checked as the walk of
    the tag's index reaches it."""
    return VideoHashtag.objects.filter(
        feed_selectors.video_is_visible(user, OuterRef("video_id")), hashtag=hashtag
    )


def hashtag_links_new(user, hashtag: Hashtag) -> QuerySet[VideoHashtag]:
    """The tag's visible rows, for newest-first paging (index (hashtag, -published_at, -id))."""
    return _visible_links(user, hashtag).only("id", "video_id", "published_at")


def hashtag_links_top(user, hashtag: Hashtag) -> QuerySet[VideoHashtag]:
    """The tag's rows whose video `user` may see (published), for hot-score paging: a walk of
    (hashtag, -hot_score, -id) that stops after a page, where ordering the videos themselves
    sorted every video of the tag (visible_videos' OR of audiences defeats feed_video's
    hot index)."""
    return _visible_links(user, hashtag).only("id", "video_id", "hot_score")


def trends_for(user) -> tuple[list[Hashtag], list]:
    """(hashtags, video ids) of the approved, unexpired trends `user` may see, best first.
    Video trends go through visible_videos again: a trend approved yesterday for a video
    taken down today is not shown."""
    shown = Trend.objects.filter(visible_trends_q(user)).order_by("-score", "-id")
    tags = list(
        shown.filter(kind=Trend.Kind.HASHTAG)
        .select_related("hashtag")
        .values_list("hashtag_id", "score")[:TRENDS_SHOWN]
    )
    scores = dict(tags)
    hashtags = {
        h.pk: h
        for h in Hashtag.objects.filter(pk__in=scores).annotate(followed_by_me=_followed_by(user))
    }
    for pk, score in scores.items():
        hashtags[pk].score = score  # type: ignore[attr-defined]
    video_ids = list(
        shown.filter(
            kind=Trend.Kind.VIDEO,
            video__in=feed_selectors.visible_videos(user)
            .filter(status=Video.Status.PUBLISHED)
            .values("pk"),
        ).values_list("video_id", flat=True)[:TRENDS_SHOWN]
    )
    return [hashtags[pk] for pk, _ in tags], video_ids
