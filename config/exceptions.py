"""One error shape for the whole API.

DRF's shapes are the contract (API.md): field errors `{"field": ["message"]}` with 400,
otherwise `{"detail": "..."}`. We add a stable machine-readable `code` to every 4xx body
(Saleor's habit), taken from the exception's `default_code`/`code`, so clients switch on
codes, not on message text.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The request body is larger than the server accepts."
    default_code = "request_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The service is temporarily unavailable; try again shortly."
    default_code = "service_unavailable"


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):  # a multipart form field over the limit
        exc = RequestTooLarge()
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, dict) and "code" not in response.data:
        code = _code_of(exc)
        if code:
            response.data["code"] = code
    elif isinstance(response.data, list):
        response.data = {"non_field_errors": response.data, "code": "invalid"}
    return response


def _code_of(exc) -> str | None:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, (Http404, exceptions.NotFound)):
        return "not_found"
    if isinstance(exc, DjangoPermissionDenied):
        return "permission_denied"
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        code = getattr(detail, "code", None)
        return code or exc.default_code
    return None


def error_response(request, status: int, code: str, detail: str) -> JsonResponse:
    """An error answered outside DRF's views (middleware, Django's handlers) in the body the
    path's API uses: OpenAI's `{error: {message, type, param, code}}` under /v1, else ours."""
    if request.path_info.startswith("/v1/"):
        kind = "invalid_request_error" if status < 500 else "server_error"
        error = {"message": detail, "type": kind, "param": None, "code": code}
        return JsonResponse({"error": error, "code": code}, status=status)
    return JsonResponse({"detail": detail, "code": code}, status=status)


def json_not_found(request, exception=None):
    return error_response(request, 404, "not_found", "Not found.")


def json_server_error(request):
    return error_response(request, 500, "server_error", "Server error.")


def json_bad_request(request, exception=None):
    return error_response(request, 400, "bad_request", "Bad request.")


def json_permission_denied(request, exception=None):
    return error_response(request, 403, "permission_denied", "Permission denied.")
