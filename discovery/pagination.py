"""Pagination of search results: keyset on (score, id), highest first, behind a signed cursor.

DRF's CursorPagination orders by model fields; a search orders by a computed score. The
cursor carries the last row's (score, id) and the next page asks for rows strictly after it,
so a page costs one LIMITed query however deep the client scrolls. Scores move a little when
popularity changes while a client scrolls; a row whose score crossed the cursor may then be
skipped or repeated (search is not a timeline). Forward only (`previous` is null).
"""

import uuid

from django.core import signing
from django.db.models import Q, QuerySet
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from config.pagination import InvalidCursor


class ScoreCursorPagination:
    page_size = 20
    max_page_size = 50
    salt = "cutaway.discovery.search-cursor"

    def __init__(self, request, *, kind: str):
        self.request = request
        self.kind = kind  # the cursor is only valid for the same result type

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
            if payload["k"] != self.kind:
                raise ValueError("cursor of another result type")
            score = float(payload["s"])
            pk = uuid.UUID(payload["i"]) if self.kind == "videos" else int(payload["i"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise InvalidCursor() from None
        return score, pk

    def paginate(self, queryset: QuerySet) -> tuple[list, bool]:
        """(rows of this page, whether more follow)."""
        size = self.get_page_size()
        position = self.position()
        if position is not None:
            score, pk = position
            queryset = queryset.filter(Q(score__lt=score) | Q(score=score, pk__lt=pk))
        rows = list(queryset.order_by("-score", "-pk")[: size + 1])
        self.last = rows[size - 1] if len(rows) > size else None
        return rows[:size], self.last is not None

    def response(self, results) -> Response:
        nxt = None
        if self.last is not None:
            token = signing.dumps(
                {"k": self.kind, "s": repr(self.last.score), "i": str(self.last.pk)},
                salt=self.salt,
            )
            nxt = replace_query_param(self.request.build_absolute_uri(), "cursor", token)
        return Response({"next": nxt, "previous": None, "results": results})
