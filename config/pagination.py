"""Cursor pagination shared by every list endpoint (API.md: `{next, previous, results}`)."""

from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Newest first; `page_size` may be asked for, capped so no client can ask for everything."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
