"""Trends: the hashtags and videos whose likes grow fastest, computed incrementally.

Rate (an exponentially weighted window, like a load average)
------------------------------------------------------------
Each target (hashtag or video) keeps two decayed like counts, with time constants
TREND_FAST_SECONDS (1 h: "the last hour") and TREND_SLOW_SECONDS (1 day: "the usual pace"):

    D_τ(t) = Σ_likes exp(−(t − t_like) / τ)

stored, as the hot score stores its recency, relative to a fixed epoch and in log form:

    L_τ = ln Σ_likes exp((t_like − EPOCH) / τ)        so   D_τ(t) = exp(L_τ − (t − EPOCH) / τ)

A new like only adds to L (log-add-exp): the refresh reads the likes since its cursor (the Like
primary key, an index range), touches only the TrendStat rows of those likes' videos and their
hashtags, and never decays anything — ordering by L_fast is ordering by D_fast now, whatever
`now` is. Work per refresh is proportional to the new likes plus a bounded candidate read.

Score of a candidate at refresh time (likes per hour above its daily pace):

    score = D_fast(now) / fast_hours − D_slow(now) / slow_hours

A steady favourite scores about 0, a sudden surge scores high. Candidates are the
TREND_CANDIDATES targets of each kind with the highest L_fast and at least
TREND_MIN_RECENT_LIKES decayed likes in the fast window; each becomes (or updates) a Trend
row, which GET trends shows only once a moderator approved it (discovery.services).
"""

import math
from collections import defaultdict
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.locks import lock_rows
from discovery.models import Trend, TrendCursor, TrendStat, VideoHashtag
from feed.models import Like, Video

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
LIKES_CURSOR = "likes"
BATCH = 500


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


def _log_mass(times, tau: float) -> float:
    """ln Σ exp((t − EPOCH)/τ) of these like times."""
    total = -math.inf
    for at in times:
        total = _logaddexp(total, (at - EPOCH).total_seconds() / tau)
    return total


def decayed(log_mass: float, now: datetime, tau: float) -> float:
    """D_τ(now) of a stored L_τ."""
    return math.exp(log_mass - (now - EPOCH).total_seconds() / tau)


def trend_score(stat: TrendStat, now: datetime) -> tuple[float, float]:
    """(score, recent likes) of one stat row at `now` (see the module docstring)."""
    fast, slow = settings.TREND_FAST_SECONDS, settings.TREND_SLOW_SECONDS
    recent = decayed(stat.fast_log, now, fast)
    score = recent / (fast / 3600) - decayed(stat.slow_log, now, slow) / (slow / 3600)
    return score, recent


def refresh_trends(now: datetime | None = None) -> dict:
    """Fold the likes since the last refresh into the stats, then rescore the candidates and
    expire approved trends that ran out. Serialised by a row lock on the cursor."""
    from discovery.services import expire_trends

    now = now or timezone.now()
    with transaction.atomic():
        TrendCursor.objects.get_or_create(name=LIKES_CURSOR)
        lock_rows(TrendCursor.objects.filter(name=LIKES_CURSOR))
        cursor = TrendCursor.objects.get(name=LIKES_CURSOR)
        likes = list(
            Like.objects.filter(id__gt=cursor.last_id)
            .order_by("id")
            .values_list("id", "video_id", "created_at")[: settings.TREND_BATCH]
        )
        if likes:
            _fold_likes(likes, now)
            cursor.last_id = likes[-1][0]
        cursor.refreshed_at = now
        cursor.save(update_fields=["last_id", "refreshed_at"])
        candidates = _rescore(now)
    expired = expire_trends(now)
    return {"likes": len(likes), "candidates": candidates, "expired": expired}


def _fold_likes(likes: list[tuple], now: datetime) -> None:
    fast, slow = settings.TREND_FAST_SECONDS, settings.TREND_SLOW_SECONDS
    by_video: dict = defaultdict(list)
    for _, video_id, created_at in likes:
        by_video[video_id].append(created_at)
    by_tag: dict = defaultdict(list)
    for video_id, tag_id in VideoHashtag.objects.filter(video_id__in=list(by_video)).values_list(
        "video_id", "hashtag_id"
    ):
        by_tag[tag_id].extend(by_video[video_id])
    _merge(TrendStat.Kind.VIDEO, "video_id", by_video, fast, slow, now)
    _merge(TrendStat.Kind.HASHTAG, "hashtag_id", by_tag, fast, slow, now)


def _merge(kind, field: str, times_by_target: dict, fast: float, slow: float, now) -> None:
    """Add each target's new like times to its stat row (one read, one bulk write each)."""
    if not times_by_target:
        return
    existing = {
        getattr(stat, field): stat
        for stat in TrendStat.objects.filter(**{f"{field}__in": list(times_by_target)})
    }
    new, changed = [], []
    for target, times in times_by_target.items():
        stat = existing.get(target)
        if stat is None:
            stat = TrendStat(kind=kind, fast_log=-math.inf, slow_log=-math.inf)
            setattr(stat, field, target)
            new.append(stat)
        else:
            changed.append(stat)
        stat.fast_log = _logaddexp(stat.fast_log, _log_mass(times, fast))
        stat.slow_log = _logaddexp(stat.slow_log, _log_mass(times, slow))
        stat.likes += len(times)
        stat.updated_at = now
    TrendStat.objects.bulk_create(new, batch_size=BATCH)
    # Batched: one UPDATE with a CASE per field over thousands of rows is quadratic to plan.
    TrendStat.objects.bulk_update(
        changed, ["fast_log", "slow_log", "likes", "updated_at"], batch_size=BATCH
    )


def _rescore(now: datetime) -> int:
    """Score the top candidates of each kind and write their Trend rows."""
    written = 0
    for kind in (TrendStat.Kind.HASHTAG, TrendStat.Kind.VIDEO):
        stats = TrendStat.objects.filter(kind=kind)
        if kind == TrendStat.Kind.VIDEO:
            stats = stats.filter(video__status=Video.Status.PUBLISHED)
        stats = stats.order_by("-fast_log")[: settings.TREND_CANDIDATES]
        field = "hashtag_id" if kind == TrendStat.Kind.HASHTAG else "video_id"
        scored = {}
        for stat in stats:
            score, recent = trend_score(stat, now)
            if recent >= settings.TREND_MIN_RECENT_LIKES and score > 0:
                scored[getattr(stat, field)] = (score, recent)
        if not scored:
            continue
        trends = {getattr(t, field): t for t in Trend.objects.filter(**{f"{field}__in": scored})}
        new, changed = [], []
        for target, (score, recent) in scored.items():
            trend = trends.get(target)
            if trend is None:
                trend = Trend(kind=kind, created_at=now)
                setattr(trend, field, target)
                new.append(trend)
            else:
                if trend.status == Trend.Status.EXPIRED:
                    # Trending again after its time ran out: a moderator looks at it again.
                    trend.status, trend.expires_at = Trend.Status.PENDING, None
                    trend.decided_by, trend.decided_at = None, None
                changed.append(trend)
            trend.score, trend.recent_likes, trend.updated_at = score, recent, now
        Trend.objects.bulk_create(new)
        Trend.objects.bulk_update(
            changed,
            ["score", "recent_likes", "updated_at", "status", "expires_at"]
            + ["decided_by", "decided_at"],
        )
        written += len(scored)
    return written
