"""Thin Celery wrappers around moderation's services (names in moderation/task_names.py)."""

from celery import shared_task

from moderation import task_names


@shared_task(name=task_names.HOLD_PUBLISHED_MATCHES, acks_late=True, ignore_result=True)
def hold_published_matches(clip_id: int) -> int:
    """After a moderator blocked a clip: hold the published videos that match it."""
    from moderation.blocklist import hold_published_matches as hold

    return hold(clip_id)
