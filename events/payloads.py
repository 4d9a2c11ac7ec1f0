"""The body of a webhook delivery, built from the stored event (the same bytes on a retry)."""

import json

from config.renderers import format_timestamp
from events.event_types import OPENAI_SHAPED
from events.models import Event


def event_body(event: Event) -> dict:
    """OpenAI's event object for video.completed / video.failed (what the openai SDK's
    `client.webhooks.unwrap` parses: `{id, object: "event", type, created_at: unix seconds,
    data: {id: <the /v1 video id>}}`), `{id, type, timestamp, data}` (API.md) for the rest."""
    if event.type in OPENAI_SHAPED:
        return {
            "id": str(event.id),
            "object": "event",
            "type": event.type,
            "created_at": int(event.created_at.timestamp()),
            "data": {"id": str(event.data.get("job", ""))},
        }
    return {
        "id": str(event.id),
        "type": event.type,
        "timestamp": format_timestamp(event.created_at),
        "data": event.data,
    }


def event_bytes(event: Event) -> bytes:
    return json.dumps(event_body(event), separators=(",", ":"), sort_keys=True).encode()
