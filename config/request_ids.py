"""`X-Request-ID`: one id per request, on its response and on every log line written for it.

Kept free of Django and DRF imports: LOGGING (config/settings.py) loads RequestIDLogFilter
while the settings are still being configured.
"""

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

# The id of the request being served, for log lines (RequestIDLogFilter); "-" outside one.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "current_request_id", default="-"
)
# A client's X-Request-ID is echoed when it is a plain token this long at most; anything else
# (spaces, control characters, header injection attempts, 1 KB of junk) is replaced.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def request_id(get_response):
    """Every response carries `X-Request-ID` (API.md v1.1): the client's, if it sent a sane
    one, else a new UUID. The id is on every log line written while the request is served."""

    def middleware(request):
        sent = request.headers.get("X-Request-ID", "")
        rid = sent if SANE_REQUEST_ID.match(sent) else uuid.uuid4().hex
        request.request_id = rid
        # Not reset on the way out: Django logs a failed request's status line after the
        # middleware returned; request_finished (below) forgets the id once it is served.
        current_request_id.set(rid)
        response = get_response(request)
        response["X-Request-ID"] = rid
        return response

    return middleware


def _forget_request_id(**kwargs) -> None:
    current_request_id.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="cutaway-forget-request-id")


class RequestIDLogFilter(logging.Filter):
    """Puts `request_id` on every log record (LOGGING's formatter prints it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
