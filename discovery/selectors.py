"""Read queries of discovery: hashtag pages, trends, and serialized video pages through the
feed's one visibility selector (feed.selectors.visible_videos)."""

from django.db.models import Exists, OuterRef, QuerySet

from discovery.models import Hashtag, HashtagFollow, Trend, VideoHashtag
from discovery.services import access_hashtag, visible_trends_q
from feed import selectors as feed_selectors
from feed.models import Video
from feed.serializers import VideoSerializer

TRENDS_SHOWN = 20


def video_results(user, ids: list) -> list[dict]:
    """The videos of `ids` that `user` may see, serialized as feeds show them, in that order
    (three queries whatever the page holds)."""
    if not ids:
        return []
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
    hashtag = access_hashtag(tag)
    return Hashtag.objects.annotate(followed_by_me=_followed_by(user)).get(pk=hashtag.pk)


def hashtag_links_new(user, hashtag: Hashtag) -> QuerySet[VideoHashtag]:
    """The tag's rows whose video `user` may see (published), for newest-first paging."""
    visible = feed_selectors.visible_videos(user).filter(status=Video.Status.PUBLISHED)
    return VideoHashtag.objects.filter(hashtag=hashtag, video__in=visible.values("pk")).only(
        "id", "video_id", "published_at"
    )


def hashtag_videos_top(user, hashtag: Hashtag) -> QuerySet[Video]:
    """Published videos carrying the tag that `user` may see, for hot-score paging."""
    return (
        feed_selectors.visible_videos(user)
        .filter(status=Video.Status.PUBLISHED, hashtag_links__hashtag=hashtag)
        .only("id", "hot_score")
    )


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
