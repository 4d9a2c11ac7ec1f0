"""The names events' Celery tasks are registered under (services enqueue by name)."""

DISPATCH_EVENT = "events.tasks.dispatch_event"
SEND_WEBHOOK = "events.tasks.send_webhook"
SWEEP_OUTBOX = "events.tasks.sweep_outbox"
