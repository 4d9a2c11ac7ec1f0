"""Celery tasks of accounts: thin wrappers around accounts.services.

Services send them by name (config.tasks.enqueue_on_commit), so nothing imports this module
but the worker.
"""

from celery import shared_task

from accounts.services.cameos import requeue_pending_verifications, verify_cameo_by_id
from accounts.services.exports import build_export, delete_expired_exports


@shared_task(acks_late=True, ignore_result=True)
def verify_cameo_task(cameo_id: str) -> None:
    """Verify an uploaded cameo clip; idempotent (only a pending cameo is touched)."""
    verify_cameo_by_id(cameo_id)


@shared_task(ignore_result=True)
def requeue_pending_cameo_verifications() -> int:
    """Periodic: verification messages lost to a broker outage are sent again."""
    return requeue_pending_verifications()


@shared_task(acks_late=True, ignore_result=True)
def build_export_task(export_id: str) -> None:
    """Build one account export ZIP; idempotent (only a queued export is claimed)."""
    build_export(export_id)


@shared_task(ignore_result=True)
def delete_expired_exports_task() -> int:
    """Periodic: delete exports past EXPORT_RETENTION_HOURS; re-send lost builds."""
    return delete_expired_exports()
