"""The names push's Celery tasks are registered under (receivers enqueue by name)."""

DELIVER_NOTIFICATIONS = "push.tasks.deliver_notifications"
