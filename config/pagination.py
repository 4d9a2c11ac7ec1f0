"""Cursor pagination shared by every list endpoint (API.md: `{next, previous, results}`)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class InvalidCursor(exceptions.APIException):
    """A cursor the server did not issue (API.md v1.1: 400 `invalid_cursor` on every list)."""

    # Not a ValidationError subclass: the exception handler would label it "invalid".
    status_code = 400
    default_detail = {"cursor": ["Invalid cursor."]}
    default_code = "invalid_cursor"


class CreatedCursorPagination(CursorPagination):
    """Newest first; `page_size` may be asked for, capped so no client can ask for everything.

    DRF's cursors are unsigned base64: a client can craft any position. The position is read
    with the ordering field's own parser and validators (type, column range) before it reaches
    a query, so a crafted one is a 400 `invalid_cursor`, not a 500 or DRF's 404.
    """

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.ordering_field = queryset.model._meta.get_field(
            self.get_ordering(request, queryset, view)[0].lstrip("-")
        )
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise InvalidCursor() from None
        if cursor is not None and cursor.position is not None:
            try:
                self.ordering_field.clean(cursor.position, None)
            except (DjangoValidationError, TypeError, ValueError, OverflowError):
                raise InvalidCursor() from None
        return cursor
