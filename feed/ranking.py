"""How the "for you" feed ranks videos.

Global hot score (Reddit-hot style, computed on write)
------------------------------------------------------
    engagement = likes + 2·comments + 3·remixes
    hot_score  = log10(max(engagement, 1)) + (published_epoch − EPOCH) / GRAVITY_SECONDS

with GRAVITY_SECONDS = 45000 (12.5 h) and EPOCH = 2025-01-01T00:00Z.

Why this shape:
- The recency term never changes after publishing, so the score needs no decay job: it is
  recomputed only in the SQL UPDATE that changes one of its inputs (like, unlike, comment,
  comment deletion, remix) — ranking work is proportional to change, never to the catalogue.
  Relative order is what decays: every 12.5 h a new video gets +1, the same as 10× engagement.
  The recency part is stored in `Video.hot_base` at publish time so the UPDATE can recompute
  `hot_score = hot_base + log10(...)` from the new counters without reading the row first.
- log10: the 10th like counts as much as the first hundred → a viral video cannot pin the top
  forever, a fresh video with a few likes gets a chance.
- 12.5 h per decade of engagement (Reddit's constant): short video is fast-moving, so a day-old
  video needs 100× the engagement of a fresh one to rank above it; a week-old one needs ~10^13,
  i.e. it has left the feed. A shorter gravity (e.g. HN's hours) would make the feed a "new" list
  at our small engagement numbers; a longer one would let yesterday's hits dominate.
- Weights: a comment costs more effort than a like (×2); a remix spends the remixer's
  generation quota and brings an audience back to the source (×3).

Personal signals (read time, on a bounded candidate set)
--------------------------------------------------------
Candidates: the CANDIDATE_TOP_N public videos with the highest hot_score (an index walk on
(status, visibility, -hot_score, -id)), plus the FOLLOWED_RECENT_N newest videos of followed
authors (including followers-only ones; at most FOLLOWED_PER_AUTHOR per author, read with a
LATERAL index walk per author on PostgreSQL) and the REMIX_N best remixes of videos the user
liked, and the INTEREST_N newest videos of each interest source (feed/interests.py:
discovery's followed hashtags).
Each candidate gets

    score = hot_score
          + FOLLOWED_BOOST   if the caller follows the author                (+0.6 ≈ 4× engagement)
          + LIKED_AUTHOR_BOOST if the caller liked one of the author's videos recently (+0.3 ≈ 2×)
          + REMIX_OF_LIKED_BOOST if it remixes a video the caller liked       (+0.3)
          + WATCH_WEIGHT · (completion − 0.5)  completion = watch_ms_total / (views · duration),
                                               clamped to [0, 1], once it has MIN_VIEWS views
          + SEEN_PENALTY     if the caller has already watched it              (−1.0 ≈ 12.5 h older)
          + each interest source's boost if the video carries one of the caller's interests
            (discovery: a hashtag the caller follows, +0.4 ≈ 2.5× engagement)

Boosts are expressed in the hot score's unit (one decade of engagement = 12.5 h of recency), so
"followed author" is worth roughly 7.5 hours of freshness: enough to lift a friend's video over
a stranger's of similar quality, not enough to bury the day's best.

Filters (SQL, before scoring): not visible to the caller (visibility, status — removed, taken
down, held and deleted videos are not "published"), the caller's own videos, authors blocked
either way, videos marked not interested. Held videos are visible only to their author, so a
minor never sees them in any feed.

Diversity (after scoring): a greedy pass fills positions in rank order, taking the best
remaining video whose author is not the previous one and has fewer than MAX_PER_AUTHOR_PER_BLOCK
videos in the current aligned block of BLOCK_SIZE positions; videos that cannot be placed at
the end are dropped rather than break the rule.
"""

import heapq
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db.models import F, FloatField, Value
from django.db.models.functions import Cast, Greatest, Ln

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
GRAVITY_SECONDS = 45000.0
COMMENT_WEIGHT = 2
REMIX_WEIGHT = 3

CANDIDATE_TOP_N = 400
FOLLOWED_RECENT_N = 100
FOLLOWED_PER_AUTHOR = 10
FOLLOWED_AUTHORS_MAX = 2000
REMIX_N = 50
INTEREST_N = 100  # per interest source (feed/interests.py): newest videos of followed hashtags
LIKED_HISTORY_N = 200

FOLLOWED_BOOST = 0.6
LIKED_AUTHOR_BOOST = 0.3
REMIX_OF_LIKED_BOOST = 0.3
WATCH_WEIGHT = 0.4
MIN_VIEWS = 5
SEEN_PENALTY = -1.0

BLOCK_SIZE = 10
MAX_PER_AUTHOR_PER_BLOCK = 2

_LN10 = math.log(10)


def recency(published_at: datetime) -> float:
    """The fixed recency part of the hot score (stored as Video.hot_base)."""
    return (published_at - EPOCH).total_seconds() / GRAVITY_SECONDS


def engagement(likes: int, comments: int, remixes: int) -> int:
    return likes + COMMENT_WEIGHT * comments + REMIX_WEIGHT * remixes


def hot_score(*, likes: int, comments: int, remixes: int, published_at: datetime) -> float:
    return math.log10(max(engagement(likes, comments, remixes), 1)) + recency(published_at)


def counter_update(*, likes: int = 0, comments: int = 0, remixes: int = 0, base=None) -> dict:
    """UPDATE kwargs that change counters and refresh hot_score in the same statement.

    Right-hand sides of an UPDATE see the row's old values (PostgreSQL and SQLite), so the new
    engagement is written out with the deltas applied. `base` replaces the stored hot_base
    (used when hot_base itself is being rewritten in the same UPDATE).
    """
    new_likes = F("like_count") + likes
    new_comments = F("comment_count") + comments
    new_remixes = F("remix_count") + remixes
    new_engagement = new_likes + COMMENT_WEIGHT * new_comments + REMIX_WEIGHT * new_remixes
    values = {
        "hot_score": (F("hot_base") if base is None else Value(base))
        + Ln(Cast(Greatest(new_engagement, Value(1)), FloatField())) / _LN10,
    }
    if likes:
        values["like_count"] = new_likes
    if comments:
        values["comment_count"] = new_comments
    if remixes:
        values["remix_count"] = new_remixes
    return values


def like_update_sql(delta: int) -> str:
    """counter_update(likes=delta) as an SQL SET list, for the one-statement like on PostgreSQL.

    The same expression the ORM builds (ln / ln 10 of the new engagement, floored at 1), so a
    like written either way leaves the same hot_score.
    """
    delta = int(delta)
    new_likes = f"(like_count + {delta})"
    new_engagement = (
        f"{new_likes} + {COMMENT_WEIGHT} * comment_count + {REMIX_WEIGHT} * remix_count"
    )
    return (
        f"like_count = {new_likes}, "
        f"hot_score = hot_base + ln(greatest({new_engagement}, 1)::double precision) / {_LN10!r}"
    )


@dataclass
class Signals:
    """What the ranking knows about the caller, loaded once per feed session."""

    followed: set = field(default_factory=set)
    liked_authors: set = field(default_factory=set)
    liked_videos: set = field(default_factory=set)
    seen: set = field(default_factory=set)
    # {video id: [(component, boost, reason)]} from the interest sources (feed/interests.py);
    # the reason is None when ranking read the match from the candidates' interest bits.
    interests: dict = field(default_factory=dict)


def completion(video) -> float | None:
    if video.view_count < MIN_VIEWS or video.duration <= 0:
        return None
    ratio = video.watch_ms_total / (video.view_count * video.duration * 1000)
    return min(max(ratio, 0.0), 1.0)


def personal_score(video, signals: Signals) -> float:
    """score_components' total without building its explanation (the hot path of ranking)."""
    score = video.hot_score
    if video.author_id in signals.followed:
        score += FOLLOWED_BOOST
    elif video.author_id in signals.liked_authors:
        score += LIKED_AUTHOR_BOOST
    if video.remix_of_id is not None and video.remix_of_id in signals.liked_videos:
        score += REMIX_OF_LIKED_BOOST
    done = completion(video)
    if done is not None:
        score += round(WATCH_WEIGHT * (done - 0.5), 4)
    if video.id in signals.seen:
        score += SEEN_PENALTY
    for _, boost, _ in signals.interests.get(video.id, ()):
        score += boost
    return round(score, 6)


def score_components(video, signals: Signals) -> tuple[float, dict, list[str]]:
    """The personal score of one video for one caller, with its parts and readable reasons."""
    likes, comments, remixes = video.like_count, video.comment_count, video.remix_count
    popularity = math.log10(max(engagement(likes, comments, remixes), 1))
    components = {
        "popularity": round(popularity, 4),
        "recency": round(video.hot_base, 4),
        "hot_score": round(video.hot_score, 4),
        "followed_author": 0.0,
        "liked_author": 0.0,
        "remix_of_liked": 0.0,
        "watch_time": 0.0,
        "seen": 0.0,
    }
    reasons = [
        f"{likes} likes, {comments} comments and {remixes} remixes",
        f"published {video.published_at:%Y-%m-%d %H:%M} UTC; newer videos rank higher",
    ]
    if video.author_id in signals.followed:
        components["followed_author"] = FOLLOWED_BOOST
        reasons.append("you follow the creator")
    elif video.author_id in signals.liked_authors:
        components["liked_author"] = LIKED_AUTHOR_BOOST
        reasons.append("you liked other videos by this creator")
    if video.remix_of_id is not None and video.remix_of_id in signals.liked_videos:
        components["remix_of_liked"] = REMIX_OF_LIKED_BOOST
        reasons.append("it remixes a video you liked")
    done = completion(video)
    if done is not None:
        components["watch_time"] = round(WATCH_WEIGHT * (done - 0.5), 4)
        reasons.append(f"viewers watch {round(done * 100)}% of it on average")
    if video.id in signals.seen:
        components["seen"] = SEEN_PENALTY
        reasons.append("you have already watched it, so it ranks lower")
    for component, boost, reason in signals.interests.get(video.id, ()):
        components[component] = components.get(component, 0.0) + boost
        reasons.append(reason)
    score = video.hot_score + sum(
        value
        for key, value in components.items()
        if key not in ("popularity", "recency", "hot_score")
    )
    return round(score, 6), components, reasons


def diversify(ranked: list, author_of) -> list:
    """Reorder `ranked` so no author appears twice in a row or > 2 times per block of 10.

    Greedy: each position takes the best remaining item whose author is placeable. Each
    author's items wait in rank order; a heap holds every author's best remaining item, so a
    position pops at most the authors it cannot place (≤ 6), not the whole list.
    """
    queues: dict = {}
    heads: list = []  # (rank of the author's best remaining item, author): a heap
    for rank, item in enumerate(ranked):
        author = author_of(item)
        queue = queues.get(author)
        if queue is None:
            queue = queues[author] = deque()
            heads.append((rank, author))  # ranks ascend, so the list is already a heap
        queue.append((rank, item))
    out: list = []
    block_counts: dict = {}
    previous = None
    while heads:
        if len(out) % BLOCK_SIZE == 0:
            block_counts = {}
        skipped = []
        while heads:
            head = heapq.heappop(heads)
            author = head[1]
            if author != previous and block_counts.get(author, 0) < MAX_PER_AUTHOR_PER_BLOCK:
                break
            skipped.append(head)
        else:
            break  # nothing left can be placed without breaking the rule
        queue = queues[author]
        out.append(queue.popleft()[1])
        block_counts[author] = block_counts.get(author, 0) + 1
        previous = author
        if queue:
            heapq.heappush(heads, (queue[0][0], author))
        for head in skipped:
            heapq.heappush(heads, head)
    return out
