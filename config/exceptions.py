"""One error shape for the whole API.

DRF's shapes are the contract (API.md): field errors `{"field": ["message"]}` with 400,
otherwise `{"detail": "..."}`. We add a stable machine-readable `code` to every 4xx body
(Saleor's habit), taken from the exception's `default_code`/`code`, so clients switch on
codes, not on message text.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The service is temporarily unavailable; try again shortly."
    default_code = "service_unavailable"


def api_exception_handler(exc, context):
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


def json_not_found(request, exception=None):
    return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)


def json_server_error(request):
    return JsonResponse({"detail": "Server error.", "code": "server_error"}, status=500)


def json_bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request.", "code": "bad_request"}, status=400)


def json_permission_denied(request, exception=None):
    return JsonResponse({"detail": "Permission denied.", "code": "permission_denied"}, status=403)
