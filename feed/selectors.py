"""Read queries of the feed: who may see which video, and the pages the API returns.

`visible_videos(user)` is the single place that encodes the visibility rules; every endpoint
that takes a video id goes through `access_video`, which answers 404 for "does not exist" and
"you may not see it" alike.
"""

import contextlib
import functools
import json
import re
import uuid
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, JSONObject
from rest_framework.exceptions import NotFound

from accounts.models import Block, Follow, User
from config.db import hot_query_cursor
from feed import ranking
from feed.interests import interest_sources
from feed.models import Comment, Like, NotInterested, Video, View
from generation.models import GenerationJob, JobCameo, Rendition

# Who is asking: a signed-in user, an anonymous visitor, or nobody (a background task).
Viewer = User | AnonymousUser | None
# An id as the URL or a client gives it: visibility checks answer 404 for a malformed one.
VideoId = uuid.UUID | str

OWN_VISIBLE_STATUSES = (Video.Status.PUBLISHED, Video.Status.HELD)

# The handle a cameo is mentioned by: a character's own, else its owner's (Cameo.mention).
CAMEO_HANDLE = Coalesce("cameo__handle", "cameo__owner__handle")


def blocked_authors_q(user: User, field_name: str = "author") -> Q:
    """Rows whose `field_name` blocked `user` or was blocked by them (two subqueries, no fetch)."""
    return Q(**{f"{field_name}__in": Block.objects.filter(blocker=user).values("blocked")}) | Q(
        **{f"{field_name}__in": Block.objects.filter(blocked=user).values("blocker")}
    )


def followed_ids_query(user: User) -> QuerySet:
    return Follow.objects.filter(follower=user).values("followee")


def visible_videos(user: Viewer) -> QuerySet[Video]:
    """Videos `user` may see.

    Published videos only, except that authors also see their own held and private videos;
    private ones only to the author; followers-only ones to followers and the author; nothing
    from users blocked either way.
    """
    published = Q(status=Video.Status.PUBLISHED)
    if user is None or not user.is_authenticated:
        return Video.objects.filter(published, visibility=Video.Visibility.PUBLIC)
    audience = Q(visibility=Video.Visibility.PUBLIC) | Q(
        visibility=Video.Visibility.FOLLOWERS, author__in=followed_ids_query(user)
    )
    own = Q(author=user, status__in=OWN_VISIBLE_STATUSES)
    return Video.objects.filter((published & audience) | own).exclude(blocked_authors_q(user))


class _ExistsPerRow(Exists):
    """EXISTS evaluated for each outer row. `OFFSET 0` keeps PostgreSQL from turning it into
    a semi-join, which it hashes against a scan of feed_video below ~100k videos
    (tests/feed/test_query_plans.py); per row it is one primary-key lookup."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def video_is_visible(user: Viewer, video_id: OuterRef) -> Exists:
    """For a filter over rows that point at a video (a hashtag's rows, say): the published
    video `video_id` refers to is one `user` may see (visible_videos), checked per row, so a
    walk of the other table's index in its own order stops after a page."""
    visible = visible_videos(user).filter(status=Video.Status.PUBLISHED, pk=video_id)
    return _ExistsPerRow(visible)


def access_video(
    user: Viewer, video_id: VideoId, *, for_update: bool = False, with_author: bool = False
) -> Video:
    """The video if `user` may see it, else NotFound (same answer for missing and hidden).

    With for_update the row is locked (SELECT … FOR UPDATE OF the video only); call it inside
    a transaction. with_author joins the author (who gets notified) into the same query.
    """
    qs = visible_videos(user)
    if for_update:
        qs = Video.objects.select_for_update(of=("self",)).filter(pk__in=qs.values("pk"))
    if with_author:
        qs = qs.select_related("author")
    try:
        return qs.get(pk=video_id)
    except (Video.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFound("No such video.") from None


def access_comment(user: Viewer, comment_id: VideoId) -> Comment:
    """A comment on a video `user` may see; NotFound otherwise."""
    try:
        comment = Comment.objects.select_related("video").get(pk=int(comment_id))
    except (Comment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound("No such comment.") from None
    if not visible_videos(user).filter(pk=comment.video_id).exists():
        raise NotFound("No such comment.")
    return comment


def shown_job_files(refs: list[str]) -> set[str]:
    """config.storage's file resolver (settings.STORAGE_FILE_RESOLVER): which of these objects
    ("job:<uuid>") may still have their files served? One query, whatever the page holds.

    A succeeded job (a withdrawn draft is cancelled) that is unpublished (its author's draft)
    or published as a video that is published or held (its author and moderators see it). A
    video taken down, removed or deleted no longer serves its files, whatever URL a client
    kept: the signed token proves who was given the URL, this proves the object may still be
    shown.
    """
    ids = {}
    for ref in refs:
        kind, _, job_id = ref.partition(":")
        if kind == "job":
            with contextlib.suppress(ValueError):
                ids[uuid.UUID(job_id)] = ref
    shown = (
        GenerationJob.objects.filter(pk__in=list(ids), status=GenerationJob.Status.SUCCEEDED)
        .filter(Q(video__isnull=True) | Q(video__status__in=OWN_VISIBLE_STATUSES))
        .values_list("pk", flat=True)
    )
    return {ids[pk] for pk in shown}


@dataclass
class RemixSource:
    """What generation needs to know about a video it is asked to remix."""

    video_id: object
    job_id: object
    cameo_ids: list = field(default_factory=list)


def resolve_remix_source(user: Viewer, video_id: VideoId) -> RemixSource | None:
    """generation's remix hook: None when `user` may not see (or remix) that video."""
    try:
        video = visible_videos(user).get(pk=video_id, status=Video.Status.PUBLISHED)
    except (Video.DoesNotExist, ValidationError, ValueError, TypeError):
        return None  # missing, hidden or malformed id: all the same answer
    cameo_ids = list(
        JobCameo.objects.filter(job_id=video.job_id).values_list("cameo_id", flat=True)
    )
    return RemixSource(video_id=video.id, job_id=video.job_id, cameo_ids=cameo_ids)


RENDITION_FIELDS = ("width", "height", "bitrate", "video_file")


def renditions_by_job(job_ids) -> dict:
    """{job id: [{width, height, bitrate, video_file}, ...] largest first} in one query."""
    by_job: dict = {}
    rows = (
        Rendition.objects.filter(job_id__in=list(job_ids))
        .order_by("job_id", "-height", "-width")
        .values_list("job_id", *RENDITION_FIELDS)
    )
    for job_id, *values in rows:
        by_job.setdefault(job_id, []).append(dict(zip(RENDITION_FIELDS, values, strict=True)))
    return by_job


def with_page_data(videos: list, user: User | AnonymousUser) -> list:
    """Attach liked_by_me (unless page_videos annotated it), cameos and renditions to a page
    of videos, in one query each, whatever the page holds.

    The videos must come from `page_videos()` (author and job already joined).
    """
    ids = [video.id for video in videos]
    liked: set = set()
    if any(not hasattr(video, "liked_by_me") for video in videos) and user.is_authenticated:
        liked = set(
            Like.objects.filter(user=user, video_id__in=ids).values_list("video_id", flat=True)
        )
    cameos_by_job: dict = {}
    if ids:
        rows = JobCameo.objects.filter(job_id__in=[v.job_id for v in videos]).values_list(
            "job_id", "cameo_id", CAMEO_HANDLE
        )
        for job_id, cameo_id, handle in rows:
            cameos_by_job.setdefault(job_id, []).append({"id": str(cameo_id), "handle": handle})
    renditions = renditions_by_job(v.job_id for v in videos) if ids else {}
    for video in videos:
        if not hasattr(video, "liked_by_me"):
            video.liked_by_me = video.id in liked
        video.cameo_list = cameos_by_job.get(video.job_id, [])
        video.rendition_list = renditions.get(video.job_id, [])
    return videos


def page_videos(qs: QuerySet[Video], user: Viewer = None) -> QuerySet[Video]:
    """The joins every serialized video needs (author for the byline, job for file names),
    and, given the caller, `liked_by_me` as an EXISTS in the same query."""
    qs = qs.select_related("author", "job").only(*PAGE_FIELDS)
    if user is not None and user.is_authenticated:
        qs = qs.annotate(
            liked_by_me=Exists(Like.objects.filter(user=user, video_id=OuterRef("pk")))
        )
    return qs


PAGE_FIELDS = (
    "id",
    "author__id",
    "author__handle",
    "author__display_name",
    "author__avatar",
    "job__id",
    "job__video_file",
    "job__thumbnail_file",
    "job__hls_file",
    "caption",
    "visibility",
    "status",
    "remix_of_id",
    "duration",
    "width",
    "height",
    "like_count",
    "comment_count",
    "remix_count",
    "view_count",
    "watch_ms_total",
    "hot_score",
    "hot_base",
    "published_at",
)


# --- "for you" ---------------------------------------------------------------------------

# What ranking.personal_score reads, nothing more: every extra column is a conversion per
# candidate (published_at alone was ~10k datetime conversions per first page). `seen` is
# whether the caller has watched it (an EXISTS per candidate, in the same statement).
Candidate = namedtuple(
    "Candidate",
    (
        "id",
        "author_id",
        "remix_of_id",
        "view_count",
        "watch_ms_total",
        "duration",
        "hot_score",
        "seen",
        "interests",
        "branch",
    ),
)
CANDIDATE_FIELDS = Candidate._fields
# Candidate.branch: which candidate branch found the row; interest sources' branches follow.
FIRST_INTEREST_BRANCH = 3


def _followed_rows(user):
    return Follow.objects.filter(follower=user).values_list("followee_id")


def _liked_rows(user):
    return (
        Like.objects.filter(user=user)
        .order_by("-created_at")
        .values_list("video_id", "video__author_id")[: ranking.LIKED_HISTORY_N]
    )


# The caller's followed ids, and the videos and authors of their latest likes, as three
# arrays: one round trip where two queries of rows were. The authors are primary-key lookups
# per liked video (LATERAL … OFFSET 0, as _remixes_of_liked): as a join, the planner hashed
# the ≤ LIKED_HISTORY_N likes against a sequential scan of feed_video at 10k videos (3 ms).
SIGNALS_SQL = (
    "WITH l AS (SELECT video_id FROM feed_like WHERE user_id = %(user)s"
    " ORDER BY created_at DESC LIMIT %(liked)s)"
    " SELECT ARRAY(SELECT followee_id FROM accounts_follow WHERE follower_id = %(user)s),"
    " ARRAY(SELECT video_id FROM l), ARRAY(SELECT v.author_id FROM l CROSS JOIN LATERAL"
    " (SELECT author_id FROM feed_video WHERE id = l.video_id OFFSET 0) v)"
)


def feed_signals(user: User) -> ranking.Signals:
    """The caller's follows and recent likes (bounded by LIKED_HISTORY_N): one statement on
    PostgreSQL, two queries elsewhere."""
    if connection.vendor == "postgresql":
        with hot_query_cursor() as cursor:
            cursor.execute(SIGNALS_SQL, {"user": user.pk, "liked": ranking.LIKED_HISTORY_N})
            followed, liked_videos, liked_authors = cursor.fetchone()
        return ranking.Signals(
            followed=set(followed),
            liked_videos=set(liked_videos),
            liked_authors=set(liked_authors),
        )
    liked_rows = user_rows(_liked_rows, user)
    return ranking.Signals(
        followed={followee_id for (followee_id,) in user_rows(_followed_rows, user)},
        liked_videos={video_id for video_id, _ in liked_rows},
        liked_authors={author_id for _, author_id in liked_rows},
    )


def feed_base(user: User) -> QuerySet[Video]:
    """Published videos the for-you feed may show `user`, before visibility by audience."""
    return (
        Video.objects.filter(status=Video.Status.PUBLISHED)
        .exclude(author=user)
        .exclude(blocked_authors_q(user))
        .exclude(pk__in=NotInterested.objects.filter(user=user).values("video_id"))
    )


def candidate_branches(user: User) -> list[QuerySet]:
    """The bounded candidate set: the global top-N by hot score, followed authors' newest,
    remixes of videos the caller liked recently. Each is an index walk with a LIMIT; none
    scans the catalogue."""
    base = feed_base(user).annotate(
        seen=Exists(View.objects.filter(user=user, video_id=OuterRef("pk"))),
        interests=_interest_bits(user),
    )
    public, followers = Video.Visibility.PUBLIC, Video.Visibility.FOLLOWERS
    top = base.filter(visibility=public).order_by("-hot_score", "-id")
    followed_recent = base.filter(
        _newest_of_authors(user), visibility__in=(public, followers)
    ).order_by("-published_at", "-id")
    liked = (
        Like.objects.filter(user=user)
        .order_by("-created_at")
        .values("video_id")[: ranking.LIKED_HISTORY_N]
    )
    audience = Q(visibility=public) | Q(visibility=followers, author__in=followed_ids_query(user))
    remixes = (
        base.filter(audience, _remixes_of_liked(user, liked))
        .exclude(pk__in=liked)
        .order_by("-hot_score", "-id")
    )
    branches = [
        top.annotate(branch=Value(0)).values_list(*CANDIDATE_FIELDS)[: ranking.CANDIDATE_TOP_N],
        followed_recent.annotate(branch=Value(1)).values_list(*CANDIDATE_FIELDS)[
            : ranking.FOLLOWED_RECENT_N
        ],
        remixes.annotate(branch=Value(2)).values_list(*CANDIDATE_FIELDS)[: ranking.REMIX_N],
    ]
    # Apps above feed (discovery's followed hashtags): the newest videos carrying the caller's
    # interests, within the same audience rule as the remixes.
    for number, source in enumerate(interest_sources(), start=FIRST_INTEREST_BRANCH):
        interesting = (
            base.filter(audience)
            .filter(source.candidate_filter(user))
            .annotate(branch=Value(number))
            .order_by("-published_at", "-id")
        )
        branches.append(interesting.values_list(*CANDIDATE_FIELDS)[: ranking.INTEREST_N])
    return branches


def _interest_bits(user: User):
    """Candidate.interests: bit n set when the row carries an interest of source n (its
    `candidate_match`), read in the candidates statement itself — a second query for the
    ~500 candidates' ids cost more than the probes (3.4 against 1.1 ms at 1M videos)."""
    bits: Any = Value(0)
    for number, source in enumerate(interest_sources()):
        bits = bits + Case(
            When(source.candidate_match(user), then=Value(1 << number)), default=Value(0)
        )
    return bits


def candidate_interests(candidates: list[Candidate]) -> dict:
    """{video id: [(component, boost, None)]} from the candidates' interest bits, for
    ranking.personal_score (which adds boosts; feed/explain asks the sources for reasons)."""
    sources = interest_sources()
    return {
        video.id: [
            (source.component, source.boost, None)
            for number, source in enumerate(sources)
            if video.interests & (1 << number)
        ]
        for video in candidates
        if video.interests
    }


def candidates_query(user: User) -> QuerySet:
    """The branches as one UNION ALL statement (PostgreSQL; SQLite refuses a LIMIT inside a
    compound statement). Only the caller's id is a parameter, so user_rows compiles it once
    per process."""
    first, *rest = candidate_branches(user)
    return first.union(*rest, all=True)


def for_you_candidates(user: User) -> list[Candidate]:
    """The candidates as light tuples with the attribute names ranking reads (one statement
    on PostgreSQL, one per branch elsewhere); a video found by two branches is kept once."""
    if connection.vendor == "postgresql":
        rows = user_rows(candidates_query, user)
    else:
        rows = [row for branch in candidate_branches(user) for row in branch]
    return list({row[0]: Candidate._make(row) for row in rows}.values())


def interest_matches(user: User, video_ids: list) -> dict:
    """{video id: [(component, boost, reason)]} from the interest sources, with their
    readable reasons (feed/explain)."""
    hits: dict = {}
    for source in interest_sources():
        for video_id, reason in source.matches(user, video_ids).items():
            hits.setdefault(video_id, []).append((source.component, source.boost, reason))
    return hits


def _remixes_of_liked(user, liked: QuerySet):
    """A filter: remixes of the videos `user` liked most recently (`liked`, at most
    LIKED_HISTORY_N ids), whoever may see them (the caller's rules are applied around it).

    On PostgreSQL a LATERAL join walks the (remix_of, -published_at) index once per liked id
    inside an InitPlan (`id = ANY(ARRAY(…))`, as `_newest_of_authors`): as
    `remix_of_id IN (liked)` the planner hashed the liked ids and read every row of feed_video
    (a sequential scan of 92k rows at 100k videos, issue 21). Every remix of those videos is
    returned, so the branch's ORDER BY hot score and LIMIT pick the same rows as before.
    `OFFSET 0` keeps the planner from pulling the LATERAL subquery up into a plain join (which
    it hashed against a sequential scan again): it stays one index walk per liked id.
    Elsewhere (SQLite) the plain semi-join does.
    """
    if connection.vendor != "postgresql":
        return Q(remix_of_id__in=liked)
    # Only parameters vary.
    return RawSQL(  # noqa: S611
        "feed_video.id = ANY(ARRAY("
        "SELECT r.id FROM (SELECT video_id FROM feed_like WHERE user_id = %s"
        " ORDER BY created_at DESC LIMIT %s) AS l(id) CROSS JOIN LATERAL ("
        " SELECT id FROM feed_video WHERE remix_of_id = l.id AND status = 'published'"
        " OFFSET 0) r))",
        [user.pk, ranking.LIKED_HISTORY_N],
        output_field=BooleanField(),
    )


def _newest_of_authors(user):
    """A filter: the newest videos of each author `user` follows, bounded per author (and at
    most FOLLOWED_AUTHORS_MAX authors).

    On PostgreSQL a LATERAL join walks the partial (author, -published_at, -id) index for each
    author with a LIMIT, so a prolific creator costs FOLLOWED_PER_AUTHOR rows, not their whole
    catalogue; `id = ANY(ARRAY(…))` makes it an InitPlan evaluated once, then primary-key
    lookups (as `id IN (…)` the planner preferred hashing every video of those authors).
    Elsewhere (SQLite, the embedded default) a plain author filter does.
    """
    authors = (
        Follow.objects.filter(follower=user)
        .order_by("followee_id")
        .values("followee_id")[: ranking.FOLLOWED_AUTHORS_MAX]
    )
    if connection.vendor != "postgresql":
        return Q(author_id__in=authors)
    # Only parameters vary.
    return RawSQL(  # noqa: S611
        "feed_video.id = ANY(ARRAY("
        "SELECT v.id FROM (SELECT followee_id FROM accounts_follow WHERE follower_id = %s"
        " ORDER BY followee_id LIMIT %s) AS a(id) CROSS JOIN LATERAL ("
        " SELECT id, published_at FROM feed_video"
        " WHERE author_id = a.id AND status = 'published'"
        " AND visibility IN ('public', 'followers')"
        " ORDER BY published_at DESC, id DESC LIMIT %s) v"
        " ORDER BY v.published_at DESC, v.id DESC LIMIT %s))",
        [
            user.pk,
            ranking.FOLLOWED_AUTHORS_MAX,
            ranking.FOLLOWED_PER_AUTHOR,
            ranking.FOLLOWED_RECENT_N,
        ],
        output_field=BooleanField(),
    )


def following_ids(
    user: User, *, before: tuple[datetime, uuid.UUID] | None = None, limit: int
) -> list[tuple]:
    """(id, published_at) of the newest published videos of the authors `user` follows,
    older than `before` (a (published_at, id) pair) — at most `limit`, newest first.

    On PostgreSQL a LATERAL join reads at most `limit` rows per followed author from the
    (author, -published_at, -id) index, so following a prolific creator stays cheap; the
    ORM fallback (SQLite) sorts the followed authors' videos.
    """
    if connection.vendor != "postgresql":
        qs = Video.objects.filter(
            author__in=followed_ids_query(user),
            status=Video.Status.PUBLISHED,
            visibility__in=(Video.Visibility.PUBLIC, Video.Visibility.FOLLOWERS),
        )
        if before is not None:
            qs = qs.filter(
                Q(published_at__lt=before[0]) | Q(published_at=before[0], id__lt=before[1])
            )
        return list(qs.order_by("-published_at", "-id").values_list("id", "published_at")[:limit])
    # Only constant fragments are concatenated; every value is a parameter.
    keyset = " AND (published_at, id) < (%s, %s)" if before is not None else ""
    sql = (
        "SELECT v.id, v.published_at FROM accounts_follow f CROSS JOIN LATERAL ("  # noqa: S608
        " SELECT id, published_at FROM feed_video"
        " WHERE author_id = f.followee_id AND status = 'published'"
        " AND visibility IN ('public', 'followers')"
        + keyset
        + " ORDER BY published_at DESC, id DESC LIMIT %s) v"
        " WHERE f.follower_id = %s ORDER BY v.published_at DESC, v.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(before or ()), limit, user.id, limit])
        return cursor.fetchall()


def rank_for_you(user: User) -> list:
    """The caller's ranked, diversified list of video ids for one feed session (two
    statements on PostgreSQL: the signals, the candidates with their interest bits)."""
    signals = feed_signals(user)
    candidates = for_you_candidates(user)
    signals.seen = {v.id for v in candidates if v.seen}
    signals.interests = candidate_interests(candidates)
    # Ties broken by id: UUIDs order like their canonical strings (fixed-width hex), so
    # comparing the UUIDs gives the same order without formatting ~500 strings.
    scored = sorted(
        candidates,
        key=lambda v: (ranking.personal_score(v, signals), v.id),
        reverse=True,
    )
    return [v.id for v in ranking.diversify(scored, lambda v: v.author_id)]


def explain_video(user: User, video_id: VideoId) -> dict:
    """Score, components and reasons of one video for this caller (GET feed/explain/{id})."""
    video = access_video(user, video_id)
    signals = feed_signals(user)
    signals.seen = set(
        View.objects.filter(user=user, video_id=video.id).values_list("video_id", flat=True)[:1]
    )
    signals.interests = interest_matches(user, [video.id])
    score, components, reasons = ranking.score_components(video, signals)
    if video.author_id == user.id:
        reasons.append("this is your own video: it is not shown in your for-you feed")
    elif NotInterested.objects.filter(user=user, video=video).exists():
        reasons.append("you marked it not interested: it is not shown in your feed")
    elif video.status != Video.Status.PUBLISHED:
        reasons.append(f"it is {video.get_status_display()}: it is not shown in feeds")
    return {"score": score, "components": components, "reasons": reasons}


# --- compiled page queries (PostgreSQL) ---------------------------------------------------

_SENTINEL_USER = -7_000_000_002
_SENTINEL_IDS = (uuid.UUID(int=0x5E7715E8),)

PageRow = namedtuple(
    "PageRow",
    (
        "id",
        "author_id",
        "author__handle",
        "author__display_name",
        "author__avatar",
        "job_id",
        "job__video_file",
        "job__thumbnail_file",
        "job__hls_file",
        "caption",
        "visibility",
        "status",
        "duration",
        "width",
        "height",
        "like_count",
        "comment_count",
        "remix_count",
        "view_count",
        "liked_by_me",
        "remix_of_id",
        "published_at",
        "cameo_list",
        "rendition_list",
    ),
)
PAGE_ROW_FIELDS = PageRow._fields


def _ids_filtered(qs: QuerySet) -> QuerySet:
    """`qs` limited to a list of primary keys given per call (a sentinel array in the
    compiled query, swapped per call)."""
    return qs.filter(
        RawSQL(  # noqa: S611 - identifiers come from the model, values are a parameter
            f'"{qs.model._meta.db_table}"."{qs.model._meta.pk.column}" = ANY(%s)',
            [list(_SENTINEL_IDS)],
            output_field=BooleanField(),
        )
    )


def _for_you_page_query(user) -> QuerySet:
    """The for-you page query: feed_base ∩ visible_videos ∩ the page's ids (a sentinel array
    swapped per request)."""
    return _page_query(_ids_filtered(feed_base(user)) & visible_videos(user), user)


def _visible_page_query(user) -> QuerySet:
    """A page of search results or of a hashtag: visible_videos ∩ the page's ids."""
    return _page_query(_ids_filtered(visible_videos(user)), user)


def _page_query(videos: QuerySet[Video], user) -> QuerySet:
    """`videos` as PageRows: author, job, liked_by_me, and the cameos and renditions as one
    array each per row."""
    from django.contrib.postgres.expressions import ArraySubquery

    cameos = (
        JobCameo.objects.filter(job_id=OuterRef("job_id"))
        .order_by("pk")
        .values(entry=JSONObject(id=Cast("cameo_id", CharField()), handle=CAMEO_HANDLE))
    )
    renditions = (
        Rendition.objects.filter(job_id=OuterRef("job_id"))
        .order_by("-height", "-width")
        .values(entry=JSONObject(**{name: name for name in RENDITION_FIELDS}))
    )
    return (
        page_videos(videos, user)
        .annotate(cameo_list=ArraySubquery(cameos), rendition_list=ArraySubquery(renditions))
        .values_list(*PAGE_ROW_FIELDS)
    )


@functools.cache
def _compiled(factory) -> tuple[str, tuple]:
    """SQL and parameters of `factory(sentinel user)`, built by the ORM once per process:
    building it cost more than PostgreSQL takes to run it. Only the sentinels stay
    parameters; every other value ('published', 'public', branch numbers) is written into
    the SQL as a literal, as Django's client-side binding sends it. A prepared statement's
    generic plan then knows them: with `status = $9` it estimated 145 published videos of
    10k and sorted all 9,226 instead of walking the hot-score index (4.6 ms against 1.5)."""
    sql, params = factory(User(pk=_SENTINEL_USER)).query.sql_with_params()
    # A sentinel the ORM inlined instead of passing as a parameter would never be swapped.
    assert _SENTINEL_USER in params  # noqa: S101
    return _inline_constants(sql, params)


def _is_sentinel(param) -> bool:
    if type(param) is int:
        return param == _SENTINEL_USER
    return isinstance(param, list) and tuple(param) == _SENTINEL_IDS


def _inline_constants(sql: str, params) -> tuple[str, tuple]:
    """`sql` with each non-sentinel parameter replaced by its quoted literal (the driver's
    own client-side quoting, as Django's cursor sends them), and the sentinel parameters
    left."""
    connection.ensure_connection()
    quote = psycopg.ClientCursor(connection.connection).mogrify
    values = iter(params)
    parts, kept = [], []
    for part in re.split(r"(%%|%s)", sql):
        if part != "%s":
            parts.append(part)
            continue
        value = next(values)
        if _is_sentinel(value):
            parts.append(part)
            kept.append(value)
        else:
            parts.append(quote("%s", [value]).replace("%", "%%"))
    return "".join(parts), tuple(kept)


def user_rows(factory: Callable[[User], QuerySet], user: User) -> list[tuple]:
    """The rows of `factory(user)`, a values_list queryset whose only per-call value is the
    user. On PostgreSQL it is compiled once per process for a sentinel user swapped per call,
    a prepared statement (config.db.hot_query_cursor); elsewhere it is evaluated."""
    if connection.vendor != "postgresql":
        return list(factory(user))
    return _run_compiled(factory, user_id=user.pk)


def _run_compiled(factory, *, user_id, ids=()) -> list:
    """Rows of the compiled `factory` (PostgreSQL), the sentinel user swapped for `user_id`
    and the sentinel id array (_ids_filtered) for `ids`, as a prepared statement."""
    sql, params = _compiled(factory)
    bound = [user_id if type(param) is int else list(ids) for param in params]
    with hot_query_cursor() as cursor:
        cursor.execute(sql, bound)
        return cursor.fetchall()


def for_you_page_rows(user: User, wanted: list[uuid.UUID]) -> list[tuple]:
    """(PageRow, cameos, renditions) of the wanted ids still visible to `user`, in the wanted
    order.

    PostgreSQL only (one query: the page with liked_by_me and its cameos); the same filters
    as page_videos(feed_base(user) & visible_videos(user)) + with_page_data, without building
    querysets or model instances per request.
    """
    return _page_rows(_for_you_page_query, user, wanted)


def visible_page_rows(user: User, wanted: list) -> list[tuple]:
    """As for_you_page_rows, for any page of videos (search, hashtags, trends): the same
    filters as page_videos(visible_videos(user)) + with_page_data. PostgreSQL only."""
    return _page_rows(_visible_page_query, user, wanted)


def _page_rows(factory, user: User, wanted: list) -> list[tuple]:
    ids = list(wanted)
    if not ids:
        return []
    rows = {row[0]: PageRow._make(row) for row in _run_compiled(factory, user_id=user.pk, ids=ids)}
    # Django loads jsonb as text (JSONField decodes it itself): one json.loads per cameo.
    return [
        (
            rows[i],
            [json.loads(entry) for entry in rows[i].cameo_list],
            [json.loads(entry) for entry in rows[i].rendition_list],
        )
        for i in ids
        if i in rows
    ]
