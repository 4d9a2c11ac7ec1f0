"""Request guards and response conventions that apply before and after any view."""

from django.conf import settings

from config.exceptions import error_response


def json_errors(get_response):
    """A 404 or 400 that Django itself answered (unknown path, a malformed id in the path,
    a bad Host) is JSON whatever DEBUG says: with DEBUG on, Django renders its HTML debug pages
    instead of the JSON handlers in config/urls.py, and API clients cannot parse those."""

    def middleware(request):
        response = get_response(request)
        if response.status_code in (400, 404) and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            if response.status_code == 404:
                return error_response(request, 404, "not_found", "Not found.")
            if not response.get("Content-Type", "").startswith("text/html"):
                return response  # a view's own non-JSON 400 (none today) stays as it is
            return error_response(request, 400, "bad_request", "Bad request.")
        return response

    return middleware


def reject_oversized_bodies(get_response):
    """A body larger than the server accepts is a JSON 413 `request_too_large`, before any
    parser reads it. Non-file bodies (JSON, forms) are bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
    (DRF's JSON parser reads the stream itself and would not enforce it); multipart bodies,
    which carry the uploads, by REQUEST_MAX_UPLOAD_BYTES. A multipart form field over the
    limit is caught while parsing (config/exceptions.py turns RequestDataTooBig into 413)."""

    def middleware(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.content_type == "multipart/form-data"
        limit = (
            settings.REQUEST_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            detail = f"The request body is larger than {limit} bytes."
            return error_response(request, 413, "request_too_large", detail)
        return get_response(request)

    return middleware


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
            detail = "NUL characters are not allowed in the URL."
            return error_response(request, 400, "bad_request", detail)
        return get_response(request)

    return middleware
