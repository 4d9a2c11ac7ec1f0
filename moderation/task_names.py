"""Registered names of moderation's Celery tasks (services enqueue them by name)."""

HOLD_PUBLISHED_MATCHES = "moderation.tasks.hold_published_matches"
