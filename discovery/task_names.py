"""Registered names of discovery's Celery tasks (the beat schedule refers to them)."""

REFRESH_TRENDS = "discovery.tasks.refresh_trends"
