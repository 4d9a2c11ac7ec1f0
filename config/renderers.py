"""The native API's one timestamp format: ISO 8601 in UTC with milliseconds and a `Z`.

API.md v1.1: `2026-12-01T19:02:55.069Z` everywhere in `/api/v1/` (`/v1` keeps OpenAI's Unix
seconds). DRF's own ISO output drops the fraction when it is zero and keeps microseconds
otherwise, so the REST_FRAMEWORK setting `DATETIME_FORMAT = None` lets serializers hand
datetimes through unformatted, and this renderer writes every one of them, whichever
serializer or view produced it, in the single format below.
"""

from datetime import UTC, datetime

from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


def format_timestamp(value: datetime) -> str:
    """`2026-12-01T19:02:55.069Z` (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


class TimestampJSONEncoder(JSONEncoder):
    """DRF's encoder, with datetimes in the API's one format."""

    def default(self, obj):
        if isinstance(obj, datetime):
            return format_timestamp(obj)
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = TimestampJSONEncoder
