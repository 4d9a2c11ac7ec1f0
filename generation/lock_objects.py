"""Row locks of generation's objects; the order they are taken in is written in config/locks.py."""

from django.contrib.auth import get_user_model

from config.locks import require_transaction
from generation.models import GenerationJob


def lock_job_creator(user):
    """The creating user's row, locked: job creations of one user (idempotency key, quota,
    suspension check) run one at a time. Returns the fresh row."""
    require_transaction()
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def lock_job(job_id, *, user=None) -> GenerationJob | None:
    """The job row (only the job's, not joined rows) locked, or None; `user` limits it to
    that user's jobs (someone else's job is then the same as a missing one)."""
    require_transaction()
    queryset = GenerationJob.objects.select_for_update(of=("self",)).select_related("user")
    if user is not None:
        queryset = queryset.filter(user=user)
    return queryset.filter(pk=job_id).first()
