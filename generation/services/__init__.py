"""Operations that change generation state (DESIGN.md: views and tasks call these).

jobs: create, read and cancel jobs (web side); quota: the daily ledger; pipeline: the
worker side (claim, plan, render, post-process, store, sweep).
"""

from generation.services.jobs import (
    access_job,
    cancel_job,
    cancel_jobs_using_cameo,
    check_create_job,
    create_job,
    delete_job,
    do_create_job,
    erase_jobs_of,
    hash_request,
)
from generation.services.quota import credits_status, quota_status, refund_quota

__all__ = [
    "access_job",
    "cancel_job",
    "cancel_jobs_using_cameo",
    "check_create_job",
    "credits_status",
    "create_job",
    "delete_job",
    "do_create_job",
    "erase_jobs_of",
    "hash_request",
    "quota_status",
    "refund_quota",
]
