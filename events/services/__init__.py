"""events' operations. `record_event` (the outbox write) lives in `outbox`, which imports
nothing above accounts' models, so every app — accounts included — can record a fact; the
webhook fan-out and delivery live in `webhooks`."""

from events.services.outbox import record_event, record_event_sql

__all__ = ["record_event", "record_event_sql"]
