"""Pagination of the feed lists.

"For you" is ranked once per session: the first request (no cursor) computes the caller's
ranked id list (feed.selectors.rank_for_you) and keeps it in the cache (Redis in production)
under a random session key for FEED_SESSION_SECONDS, as 16 bytes per video (RankedIds); the
cursor is a signed `(session key, offset)` pair. Later pages slice the same list, so likes
that move scores while a user scrolls never make a video repeat or be skipped. Each page is
re-checked against the caller's current visibility (a video deleted or an author blocked
meanwhile drops out).

The sessions live in Django's cache: Redis when REDIS_URL is set (production, and any
deployment with several web processes); the embedded default's per-process memory cache only
works for a single web process.

Bad cursors: a tampered or malformed cursor, or one minted for another user, is 400
`invalid_cursor`. When the session has expired from the cache the answer is 400
`cursor_expired`, and the client starts over by requesting the feed without a cursor.
"""

import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib import parse

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from config.pagination import CreatedCursorPagination
from feed.exceptions import CursorExpired, InvalidCursor

CURSOR_SALT = "cutaway.feed.for-you-cursor"
# v2: ids as RankedIds bytes (v1 sessions held lists of strings; they now read as expired).
SESSION_PREFIX = "feed:for-you:v2:"


class RankedIds(Sequence):
    """A session's ranked video ids packed 16 bytes each: ~8 KB in the cache for 500 videos
    instead of a pickled list of 500 strings, and a page decodes only its own slice."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes):
        self.blob = blob

    @classmethod
    def pack(cls, ids) -> "RankedIds":
        return cls(b"".join(video_id.bytes for video_id in ids))

    def __len__(self) -> int:
        return len(self.blob) // 16

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return uuid.UUID(bytes=self.blob[16 * index : 16 * index + 16])


class PublishedCursorPagination(CreatedCursorPagination):
    """Newest published first (following feed, a user's videos, remixes)."""

    ordering = ("-published_at", "-id")


class FollowingPagination:
    """Keyset pagination on (published_at, id), newest first, behind a signed cursor.

    Forward only (`previous` is always null): the client scrolls down a timeline.
    """

    page_size = 20
    max_page_size = 100
    salt = "cutaway.feed.following-cursor"

    def __init__(self, request):
        self.request = request

    def get_page_size(self) -> int:
        raw = self.request.query_params.get("page_size")
        try:
            size = int(raw) if raw is not None else self.page_size
        except ValueError:
            size = self.page_size
        return min(max(size, 1), self.max_page_size)

    def position(self):
        raw = self.request.query_params.get("cursor")
        if raw is None:
            return None
        try:
            payload = signing.loads(raw, salt=self.salt)
            return datetime.fromisoformat(payload["t"]), uuid.UUID(payload["i"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidCursor() from None

    def response(self, results, *, last) -> Response:
        nxt = None
        if last is not None:
            token = signing.dumps({"t": last[1].isoformat(), "i": str(last[0])}, salt=self.salt)
            nxt = replace_query_param(self.request.build_absolute_uri(), "cursor", token)
        return Response({"next": nxt, "previous": None, "results": results})


class ForYouPagination:
    """Offsets into a cached ranked list, behind signed cursors."""

    page_size = 10
    max_page_size = 50
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def __init__(self, request):
        self.request = request
        self.session_seconds = settings.FEED_SESSION_SECONDS

    def get_page_size(self) -> int:
        raw = self.request.query_params.get(self.page_size_query_param)
        try:
            size = int(raw) if raw is not None else self.page_size
        except ValueError:
            size = self.page_size
        return min(max(size, 1), self.max_page_size)

    def session_ids(self, user, rank) -> tuple[str, RankedIds, int]:
        """(session key, ranked ids, offset) for this request; `rank()` only on page one."""
        raw = self.request.query_params.get(self.cursor_query_param)
        if raw is None:
            key = secrets.token_urlsafe(16)
            ids = RankedIds.pack(rank())
            cache.set(SESSION_PREFIX + key, {"u": user.id, "ids": ids.blob}, self.session_seconds)
            return key, ids, 0
        try:
            payload = signing.loads(raw, salt=CURSOR_SALT)
            key, offset, owner = payload["s"], payload["o"], payload["u"]
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        if (
            not isinstance(offset, int)
            or offset < 0
            or owner != user.id
            or not isinstance(key, str)
        ):
            raise InvalidCursor()
        session = cache.get(SESSION_PREFIX + key)
        if session is None or session.get("u") != user.id:
            raise CursorExpired()
        return key, RankedIds(session["ids"]), offset

    def cursor_url_maker(self, key: str, user) -> Callable[[int], str]:
        """offset → this request's URL with that offset's cursor (DRF's replace_query_param,
        the request URL parsed once for the page's next and previous)."""
        scheme, netloc, path, query, fragment = parse.urlsplit(self.request.build_absolute_uri())
        params = parse.parse_qs(query, keep_blank_values=True)

        def cursor_url(offset: int) -> str:
            token = signing.dumps({"s": key, "o": offset, "u": user.id}, salt=CURSOR_SALT)
            query = parse.urlencode(
                sorted({**params, self.cursor_query_param: [token]}.items()), doseq=True
            )
            return parse.urlunsplit((scheme, netloc, path, query, fragment))

        return cursor_url

    def response(self, results, *, key, offset, size, total, user) -> Response:
        cursor_url = self.cursor_url_maker(key, user)
        nxt = cursor_url(offset + size) if offset + size < total else None
        prev = cursor_url(max(offset - size, 0)) if offset > 0 else None
        return Response({"next": nxt, "previous": prev, "results": results})
