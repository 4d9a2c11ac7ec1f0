"""Request guards that apply before any view."""

from django.http import JsonResponse


def reject_nul_bytes(get_response):
    """A NUL character in the path or the query string is a 400, not a 500.

    PostgreSQL text cannot hold NUL, so a `%00` in a handle or a query parameter that reaches
    a lookup raised DataError (found by tests/hardening). No valid id, handle or cursor
    contains one, so refusing them here covers every route at once; request bodies are
    covered by DRF's CharField, which refuses NUL itself.
    """

    def middleware(request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return JsonResponse(
                {"detail": "NUL characters are not allowed in the URL.", "code": "bad_request"},
                status=400,
            )
        return get_response(request)

    return middleware
