"""Celery tasks of accounts: thin wrappers around accounts.services.

Services send them by name (config.tasks.enqueue_on_commit), so nothing imports this module
but the worker.
"""

from celery import shared_task

from accounts.services.cameos import requeue_pending_verifications, verify_cameo_by_id


@shared_task(acks_late=True, ignore_result=True)
def verify_cameo_task(cameo_id: str) -> None:
    """Verify an uploaded cameo clip; idempotent (only a pending cameo is touched)."""
    verify_cameo_by_id(cameo_id)


@shared_task(ignore_result=True)
def requeue_pending_cameo_verifications() -> int:
    """Periodic: verification messages lost to a broker outage are sent again."""
    return requeue_pending_verifications()
