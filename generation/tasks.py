"""Celery tasks: thin wrappers over generation.services.pipeline.

acks_late + reject_on_worker_lost: a worker killed mid-job leaves the message to be
redelivered; the job's `attempts` counter and the conditional claim keep that safe.
"""

from celery import shared_task
from django.conf import settings

from generation.task_names import (
    REMOVE_UNPUBLISHED_VARIANTS,
    RUN_GENERATION_JOB,
    SWEEP_STALE_JOBS,
)


@shared_task(
    name=RUN_GENERATION_JOB,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.GENERATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.GENERATION_TASK_TIME_LIMIT,
    ignore_result=True,
)
def run_generation_job(job_id: str) -> str:
    from generation.services.pipeline import run_job

    return run_job(job_id)


@shared_task(
    name=SWEEP_STALE_JOBS,
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def sweep_stale_jobs() -> dict:
    from generation.services.pipeline import sweep_stale_jobs as sweep

    return sweep()


@shared_task(
    name=REMOVE_UNPUBLISHED_VARIANTS,
    acks_late=True,
    soft_time_limit=120,
    time_limit=180,
    ignore_result=True,
)
def remove_unpublished_variants() -> int:
    from generation.services.variants import remove_unpublished_variants as remove

    return remove()
