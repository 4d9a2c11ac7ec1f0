"""Thin Celery wrappers around feed services.

No periodic ranking task is scheduled: hot scores are refreshed in the UPDATE that changes
their inputs (feed/ranking.py). `refresh_hot_scores` is a repair tool after bulk imports.
"""

from celery import shared_task

from feed import services


@shared_task
def refresh_hot_scores(video_ids=None) -> int:
    return services.refresh_hot_scores(video_ids)
