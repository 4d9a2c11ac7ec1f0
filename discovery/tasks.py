"""Thin Celery wrappers around discovery's services (names in discovery/task_names.py)."""

from celery import shared_task

from discovery import task_names
from discovery.trends import refresh_trends


@shared_task(name=task_names.REFRESH_TRENDS, acks_late=True)
def refresh_trends_task() -> dict:
    return refresh_trends()
