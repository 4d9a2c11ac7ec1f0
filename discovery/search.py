"""Search over videos, users and hashtags (GET search).

PostgreSQL: videos match `websearch_to_tsquery('simple', q)` against their VideoDocument
(caption with its hashtags, creator handle and display name; GIN index), ranked by
`ts_rank × (1 + VIDEO_POPULARITY · log10(1 + engagement))`; users match a handle prefix or
pg_trgm similarity (`%`, GIN trigram indexes) on handle and display name; hashtags a name
prefix or similarity. The 'simple' configuration (no stemming, no stop words): captions are in
every language, and a tag must match as written.

SQLite (the embedded default) runs the same ORM queries with Python implementations of
`similarity` (pg_trgm's trigram rule) and of the web-search match registered as SQL functions
on each connection, so the test fixtures give the same results in the same order; it scans
instead of using an index.

The order of video results, exactly (PostgreSQL):
1. candidates: the SEARCH_MAX_MATCHES matching documents of highest popularity class
   (VideoDocument.popularity = ⌊4 · log10(1 + engagement)⌋, ties by video id, highest first),
   read by walking the (-popularity, -video_id) index and testing each document against the
   query — or, for a rare query, from the GIN index and sorted; the planner picks the cheaper.
   Either way the work is bounded by the cap (a walk stops after SEARCH_MAX_MATCHES matches),
   not by how many videos match: a word on every video costs what a word on 1% costs.
2. the candidates the caller may see, ordered by score = ts_rank × (1 + 0.25 · log10(1 +
   engagement)) (exact counts, not the class), then video id, highest first.
When a query matches at most SEARCH_MAX_MATCHES documents every match is a candidate and the
order is exactly step 2; beyond that a match outside the most popular SEARCH_MAX_MATCHES is
not listed, however relevant. The fallback has no cap (the embedded default is small), so
on the test fixtures both give the same results in the same order.

Visibility, blocks, removals and consent takedowns come from feed.selectors.visible_videos and
accounts.selectors.profiles — the same selectors as every other list.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Greatest, Ln
from django.db.models.lookups import Lookup
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.selectors import profiles
from config.db import any_of
from discovery.models import Hashtag, HashtagFollow, VideoDocument
from feed import ranking
from feed.models import Video
from feed.selectors import blocked_authors_q, visible_videos

TYPES = ("videos", "users", "hashtags")
# Weight of popularity against relevance: videos multiply ts_rank by 1 + 0.25·log10(1 +
# engagement) (a 1,000-like video counts 1.75× a new one of the same relevance); users and
# hashtags add 0.01·log10(1 + followers or videos), which only orders equal matches.
VIDEO_POPULARITY = 0.25
NAME_POPULARITY = 0.01
TRIGRAM_THRESHOLD = 0.3  # pg_trgm.similarity_threshold's default: the `%` operator's cut
# ts_rank of one matching word (SQLite stand-in; PostgreSQL computes it).
_TS_RANK_UNIT = 0.0607927
_LN10 = math.log(10)

_WORD = re.compile(r"\w+")
_TRGM_WORD = re.compile(r"[^\W_]+")  # pg_trgm: words are runs of letters and digits


def words_of(text: str) -> list[str]:
    """Case-folded words of `text` as the 'simple' text search configuration sees them."""
    return [word.casefold() for word in _WORD.findall(text or "")]


# --- the query ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedQuery:
    """A web-search query as websearch_to_tsquery reads it: alternatives (`or`), each a list
    of required words and of excluded (`-word`) ones; quoted phrases are read as their words.
    """

    text: str
    alternatives: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]

    @property
    def is_empty(self) -> bool:
        return not any(required for required, _ in self.alternatives)


def parse_query(raw) -> ParsedQuery:
    """Validate `q` (400 naming it) and parse it; an operator-only query parses empty."""
    if raw is None or not str(raw).strip():
        raise ValidationError({"q": ["A search query is required."]})
    text = str(raw).strip()
    if len(text) > settings.SEARCH_MAX_QUERY_CHARS:
        raise ValidationError({"q": [f"At most {settings.SEARCH_MAX_QUERY_CHARS} characters."]})
    if "\x00" in text:
        raise ValidationError({"q": ["NUL characters are not allowed."]})
    alternatives: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    required: list[str] = []
    excluded: list[str] = []
    for token in re.findall(r'-?"[^"]*"?|\S+', text):
        negated = token.startswith("-")
        words = words_of(token)
        if not negated and token.lower() == "or":
            alternatives.append((tuple(required), tuple(excluded)))
            required, excluded = [], []
            continue
        (excluded if negated else required).extend(words)
    alternatives.append((tuple(required), tuple(excluded)))
    kept = tuple((r, e) for r, e in alternatives if r)
    return ParsedQuery(text=text, alternatives=kept)


def _fallback_rank(words: str, query: str) -> float:
    """SQLite's stand-in for `document @@ q` and ts_rank: 0 when the document does not match,
    else one unit per occurrence of a required word of the best matching alternative."""
    bag: dict[str, int] = {}
    for word in (words or "").split():
        bag[word] = bag.get(word, 0) + 1
    best = 0.0
    for required, excluded in parse_query(query).alternatives:
        if all(w in bag for w in required) and not any(w in bag for w in excluded):
            best = max(best, _TS_RANK_UNIT * sum(bag[w] for w in set(required)))
    return best


def _trigrams(text: str) -> set[str]:
    grams: set[str] = set()
    for word in _TRGM_WORD.findall((text or "").lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity(a, b): shared trigrams over all trigrams of both."""
    left, right = _trigrams(a), _trigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """connection_created receiver: the SQL functions the fallback queries call."""
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("similarity", 2, similarity, deterministic=True)
    raw.create_function("discovery_fts_rank", 2, _fallback_rank, deterministic=True)
    # Migration 0003's trigger on feed_video calls it (PostgreSQL: a SQL function).
    raw.create_function("discovery_video_popularity", 3, popularity_class, deterministic=True)


class TrigramSimilar(Lookup):
    """`field %% value` on PostgreSQL (indexable by a GIN trigram index); the same cut through
    the registered similarity() on SQLite."""

    lookup_name = "discovery_trigram_similar"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} %% {rhs}", [*lhs_params, *rhs_params]
        return f"similarity({lhs}, {rhs}) >= {TRIGRAM_THRESHOLD}", [*lhs_params, *rhs_params]


def _similarity(field: str, text: str) -> Func:
    return Func(F(field), Value(text), function="similarity", output_field=FloatField())


def _log10_1p(expression) -> Any:
    return Ln(Cast(expression, FloatField()) + Value(1.0)) / Value(_LN10)


def popularity_class(likes: int, comments: int, remixes: int) -> int:
    """VideoDocument.popularity: ⌊4 · log10(1 + engagement)⌋; the SQL function
    discovery_video_popularity on SQLite, the same rule as PostgreSQL's (migration 0003)."""
    return math.floor(4 * math.log10(1 + ranking.engagement(likes, comments, remixes)))


# --- the three searches ------------------------------------------------------------------


def search_videos(user, query: ParsedQuery) -> QuerySet[Video]:
    """Videos `user` may see that match, annotated with `score` (relevance × popularity)."""
    qs = visible_videos(user).filter(status=Video.Status.PUBLISHED)
    engagement = (
        F("like_count")
        + ranking.COMMENT_WEIGHT * F("comment_count")
        + ranking.REMIX_WEIGHT * F("remix_count")
    )
    popularity = Value(1.0) + Value(VIDEO_POPULARITY) * _log10_1p(engagement)
    if connection.vendor == "postgresql":
        tsquery = SearchQuery(query.text, config="simple", search_type="websearch")
        # Candidates (module docstring, step 1) on the document table alone, then joined to
        # feed_video by primary key (`= ANY(array)`): joined in one statement, the visibility
        # filter made PostgreSQL hash a sequential scan of feed_video.
        matched = list(
            VideoDocument.objects.filter(document=tsquery)
            .order_by("-popularity", "-video_id")
            .values_list("video_id", flat=True)[: settings.SEARCH_MAX_MATCHES]
        )
        qs = qs.filter(any_of(Video, "id", matched, "uuid"))
        rank: Any = Cast(SearchRank(F("search_document__document"), tsquery), FloatField())
    else:
        rank = Func(
            F("search_document__words"),
            Value(query.text),
            function="discovery_fts_rank",
            output_field=FloatField(),
        )
        qs = qs.annotate(_rank=rank).filter(_rank__gt=0)
    return qs.annotate(score=Cast(rank * popularity, FloatField()))


def _user_candidates(text: str, similar: Q) -> list[int]:
    """The users a handle or name search ranks: the exact handle, then at most
    SEARCH_MAX_MATCHES users whose handle starts with `text` and as many similar to it, in
    whatever order the index or table yields them. A prefix on every handle ("user" of the
    seed's `user123`) made the ranking score all 100k users at 1M videos: 300 ms a request."""
    cap = settings.SEARCH_MAX_MATCHES
    users = User.objects.order_by().values_list("pk", flat=True)
    found = users.filter(handle=text).union(
        users.filter(handle__startswith=text)[:cap], users.filter(similar)[:cap], all=True
    )
    return list(dict.fromkeys(found))  # one statement


def search_users(user, query: ParsedQuery) -> QuerySet[User]:
    """Active users not blocked either way whose handle starts with the query (or is like it)
    or whose display name is like it, annotated with `score`. On PostgreSQL the ranked users
    are a bounded candidate set (_user_candidates), as videos are (module docstring); the
    fallback ranks every match."""
    text = query.text.removeprefix("@").strip().lower()
    qs = profiles(user)
    if user is not None and user.is_authenticated:
        qs = qs.exclude(blocked_authors_q(user, "pk"))
    similar = Q(handle__discovery_trigram_similar=text) | Q(
        display_name__discovery_trigram_similar=text
    )
    matches = Q(handle__startswith=text) | similar
    if connection.vendor == "postgresql":
        qs = qs.filter(any_of(User, "id", _user_candidates(text, similar), "bigint"))
    relevance = Greatest(
        Case(When(handle=text, then=Value(2.0)), default=Value(0.0), output_field=FloatField()),
        Case(
            When(handle__startswith=text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        _similarity("handle", text),
        _similarity("display_name", text),
    )
    score = relevance + Value(NAME_POPULARITY) * _log10_1p(F("follower_count"))
    return qs.filter(matches).annotate(score=Cast(score, FloatField()))


def search_hashtags(user, query: ParsedQuery) -> QuerySet[Hashtag]:
    """Hashtags whose name starts with the query (`#` optional) or is like it, with `score`
    and `followed_by_me`."""
    text = query.text.lstrip("#").strip().casefold()
    matches = Q(name__startswith=text) | Q(name__discovery_trigram_similar=text)
    relevance = Greatest(
        Case(When(name=text, then=Value(2.0)), default=Value(0.0), output_field=FloatField()),
        Case(
            When(name__startswith=text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        ),
        _similarity("name", text),
    )
    score = relevance + Value(NAME_POPULARITY) * _log10_1p(F("video_count"))
    viewer_id = user.pk if user is not None and user.is_authenticated else 0  # 0: nobody
    return (
        Hashtag.objects.filter(matches)
        .annotate(score=Cast(score, FloatField()))
        .annotate(
            followed_by_me=Exists(
                HashtagFollow.objects.filter(user_id=viewer_id, hashtag=OuterRef("pk"))
            )
        )
    )


def search(user, *, q, type: str) -> QuerySet:  # noqa: A002 - the API's parameter name
    if type not in TYPES:
        raise ValidationError({"type": [f"Must be one of {', '.join(TYPES)}."]})
    query = parse_query(q)
    if query.is_empty:
        # Nothing to look for (only operators or punctuation): no query at all, no scan.
        model: Any = {"videos": Video, "users": User, "hashtags": Hashtag}[type]
        return model.objects.none().annotate(score=Value(0.0, output_field=FloatField()))
    return {"videos": search_videos, "users": search_users, "hashtags": search_hashtags}[type](
        user, query
    )
