"""Operations that change discovery's state: hashtag rows and counts, search documents,
hashtag follows, and the moderator's decisions on trends.

Counts are changed only by SQL updates in the transaction that justifies them (as feed's
counters are), so they stay exact under concurrency.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.db.models import (
    Count,
    F,
    Func,
    OuterRef,
    PositiveSmallIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.models import User
from discovery.models import Hashtag, HashtagFollow, Trend, VideoDocument, VideoHashtag
from feed.captions import normalize_tag, parse_hashtags
from feed.models import Video
from moderation.services import log_decision


def document_words(*texts: str) -> str:
    """The case-folded words of `texts`, space separated (the SQLite search fallback reads
    them; PostgreSQL's 'simple' configuration splits the same words)."""
    from discovery.search import words_of

    return " ".join(word for text in texts for word in words_of(text))


def sync_video_text(video: Video) -> None:
    """Rewrite `video`'s hashtag rows and search document from its caption; adjust the tags'
    counts if the video is live. Call inside the transaction that published or edited it,
    with the video row new or locked: new rows copy `video.hot_score`, which the trigger of
    migration 0004 keeps equal from then on."""
    wanted = parse_hashtags(video.caption)
    if wanted:
        Hashtag.objects.bulk_create([Hashtag(name=name) for name in wanted], ignore_conflicts=True)
    ids = dict(Hashtag.objects.filter(name__in=wanted).values_list("name", "pk"))
    wanted_ids = {ids[name] for name in wanted}
    current = set(VideoHashtag.objects.filter(video=video).values_list("hashtag_id", flat=True))
    added, removed = wanted_ids - current, current - wanted_ids
    if removed:
        VideoHashtag.objects.filter(video=video, hashtag_id__in=removed).delete()
    if added:
        VideoHashtag.objects.bulk_create(
            [
                VideoHashtag(
                    video=video,
                    hashtag_id=pk,
                    published_at=video.published_at,
                    hot_score=video.hot_score,
                )
                for pk in sorted(added)
            ],
            ignore_conflicts=True,
        )
    if video.status == Video.Status.PUBLISHED:
        if added:
            Hashtag.objects.filter(pk__in=added).update(video_count=F("video_count") + 1)
        if removed:
            Hashtag.objects.filter(pk__in=removed, video_count__gt=0).update(
                video_count=F("video_count") - 1
            )
    _write_document(video)


def _write_document(video: Video) -> None:
    author = User.objects.only("handle", "display_name").get(pk=video.author_id)
    words = document_words(video.caption, author.handle, author.display_name)
    # The class of the row's counters, not this instance's (a like may have landed since it
    # was read); afterwards the trigger of migration 0003 keeps it.
    popularity = Subquery(
        Video.objects.filter(pk=video.pk)
        .annotate(
            p=Func(
                F("like_count"),
                F("comment_count"),
                F("remix_count"),
                function="discovery_video_popularity",
                output_field=PositiveSmallIntegerField(),
            )
        )
        .values("p")[:1]
    )
    VideoDocument.objects.update_or_create(video=video, defaults={"words": words})
    fields: dict = {"popularity": popularity}
    if connection.vendor == "postgresql":
        fields["document"] = SearchVector(Value(words), config="simple")
    VideoDocument.objects.filter(video=video).update(**fields)


def recount_hashtags_of(video_ids: Iterable) -> None:
    """Recount the live videos of every tag these videos carry (their status changed).

    A recount rather than a ±1: a status change is rare (moderation, takedown, deletion) and
    the recount is right whatever the previous status was. Call inside that transaction.
    """
    tag_ids = VideoHashtag.objects.filter(video_id__in=list(video_ids)).values("hashtag_id")
    live = (
        VideoHashtag.objects.filter(hashtag_id=OuterRef("pk"), video__status=Video.Status.PUBLISHED)
        .order_by()
        .values("hashtag_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Hashtag.objects.filter(pk__in=tag_ids).update(video_count=Coalesce(Subquery(live), 0))


# --- follows -----------------------------------------------------------------------------


def access_hashtag(tag: str, hashtags: QuerySet[Hashtag] | None = None) -> Hashtag:
    """The hashtag named `tag` (with or without `#`, any case), read from `hashtags` (all of
    them, or an annotated queryset); NotFound otherwise."""
    name = normalize_tag(tag)
    found = Hashtag.objects if hashtags is None else hashtags
    hashtag = found.filter(name=name).first() if name else None
    if hashtag is None:
        raise NotFound("No such hashtag.")
    return hashtag


def follow_hashtag(user: User, tag: str) -> bool:
    """Follow an existing hashtag (idempotent); True when the follow is new.

    get_or_create inserts in a savepoint and re-reads on a unique-constraint race, so two
    concurrent follows count one follower."""
    with transaction.atomic():
        hashtag = access_hashtag(tag)
        _, created = HashtagFollow.objects.get_or_create(user=user, hashtag=hashtag)
        if created:
            Hashtag.objects.filter(pk=hashtag.pk).update(follower_count=F("follower_count") + 1)
    return created


def unfollow_hashtag(user: User, tag: str) -> bool:
    """Stop following (idempotent); True when a follow was removed."""
    with transaction.atomic():
        hashtag = access_hashtag(tag)
        deleted, _ = HashtagFollow.objects.filter(user=user, hashtag=hashtag).delete()
        if deleted:
            Hashtag.objects.filter(pk=hashtag.pk, follower_count__gt=0).update(
                follower_count=F("follower_count") - 1
            )
    return bool(deleted)


# --- trend decisions (the moderation console) ----------------------------------------------


def approve_trend(moderator: User, trend: Trend, *, teen_safe: bool | None = None) -> Trend:
    """A moderator lets `trend` appear in GET trends until TREND_TTL_SECONDS from now."""
    now = timezone.now()
    with transaction.atomic():
        locked = Trend.objects.select_for_update().get(pk=trend.pk)
        locked.status = Trend.Status.APPROVED
        locked.expires_at = now + timedelta(seconds=settings.TREND_TTL_SECONDS)
        locked.decided_by, locked.decided_at, locked.updated_at = moderator, now, now
        if teen_safe is not None:
            locked.teen_safe = teen_safe
        locked.save()
        log_decision(
            moderator,
            action="approve",
            target_type="trend",
            target_id=str(locked.pk),
            reason=f"trend {locked} approved"
            + (" (teen-safe)" if locked.teen_safe else "")
            + f", shown until {locked.expires_at:%Y-%m-%d %H:%M} UTC",
        )
    return locked


def reject_trend(moderator: User, trend: Trend) -> Trend:
    """A moderator keeps `trend` out of GET trends (it stays rejected while it keeps trending)."""
    now = timezone.now()
    with transaction.atomic():
        locked = Trend.objects.select_for_update().get(pk=trend.pk)
        locked.status = Trend.Status.REJECTED
        locked.expires_at = None
        locked.decided_by, locked.decided_at, locked.updated_at = moderator, now, now
        locked.save()
        log_decision(
            moderator,
            action="reject",
            target_type="trend",
            target_id=str(locked.pk),
            reason=f"trend {locked} rejected",
        )
    return locked


def expire_trends(now=None) -> int:
    """Approved trends past their expiry leave GET trends; each expiry is logged."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Trend.objects.select_for_update(of=("self",))
            .filter(status=Trend.Status.APPROVED, expires_at__lte=now)
            .select_related("hashtag")
        )
        for trend in due:
            log_decision(
                None,
                action="expire",
                target_type="trend",
                target_id=str(trend.pk),
                reason=f"trend {trend} expired at {trend.expires_at:%Y-%m-%d %H:%M} UTC",
            )
        Trend.objects.filter(pk__in=[t.pk for t in due]).update(
            status=Trend.Status.EXPIRED, updated_at=now
        )
    return len(due)


def visible_trends_q(user) -> Q:
    """Approved, unexpired trends; teen accounts and signed-out visitors see teen-safe ones."""
    q = Q(status=Trend.Status.APPROVED, expires_at__gt=timezone.now())
    if user is None or not user.is_authenticated or user.is_minor:
        q &= Q(teen_safe=True)
    return q
