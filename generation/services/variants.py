"""Several candidates of one request (`variants: 2..4` on POST generations), and their cleanup.

Each candidate is its own job with its own seed and its own charge; they share a
`variant_group` id so a client shows them side by side (GET generations?group=). Creation is
all-or-nothing: every candidate is saved and charged in one transaction under the user-row
lock, so when the third cannot be paid (429 / 402) none exists and nothing was charged.

The request's Idempotency-Key belongs to the first candidate; the others carry keys derived
from it, so each still goes through do_create_job's replay and charge-once rules, and a
replay returns the whole group.

Candidates nobody published are removed with their files once GENERATION_VARIANT_RETENTION_HOURS
have passed (remove_unpublished_variants, a periodic task); a published one never is.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import secrets
import uuid
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.services.cameo_use import recording_refusals
from config.storage import delete_files
from generation.exceptions import IdempotencyKeyReused
from generation.models import GenerationJob
from generation.services.jobs import (
    MAX_SEED,
    PreparedJob,
    check_create_job,
    clean_idempotency_key,
    do_create_job,
)
from generation.services.publishing import job_storage_names

logger = logging.getLogger(__name__)

MAX_VARIANTS = 4
CLEANUP_BATCH = 200
VARIANT_MARKER = "#variant-"


def candidate_key(key: str, number: int) -> str:
    """The Idempotency-Key of candidate `number` (2..n) of the request keyed `key`."""
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}{VARIANT_MARKER}{number}"


def group_of(job: GenerationJob) -> list[GenerationJob]:
    """The candidates of `job`'s group, first candidate first (just `job` without a group)."""
    if job.variant_group is None:
        return [job]
    jobs = GenerationJob.objects.filter(user_id=job.user_id, variant_group=job.variant_group)
    return sorted(jobs, key=lambda j: _candidate_number(j.idempotency_key))


def _candidate_number(key: str | None) -> int:
    """1 for the candidate holding the request's key, n for `…#variant-n`."""
    _, marker, number = (key or "").rpartition(VARIANT_MARKER)
    return int(number) if marker and number.isdigit() else 1


def create_variants(
    user, *, variants: int, idempotency_key: str, request_hash: str, **fields
) -> tuple[list[GenerationJob], bool]:
    """Create `variants` candidates (or, for a replayed key, return the existing group);
    returns (jobs, created). `fields` are create_job's (prompt, seconds, size, cameo_handles,
    remix_of, storyboard, seed, extra_provenance). Consent and the content gate are asked once
    for the request (every candidate shows the same likenesses and texts) and again, for each
    candidate, under the lock."""
    if not 1 <= variants <= MAX_VARIANTS:
        raise ValueError("variants must be 1..4")
    key = clean_idempotency_key(idempotency_key)
    existing = GenerationJob.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        if existing.request_hash != request_hash:
            raise IdempotencyKeyReused()
        return group_of(existing), False
    fields.setdefault("extra_provenance", None)
    with recording_refusals():
        prepared = check_create_job(user, **fields)
        return _do_create_variants(user, prepared, variants, key=key, request_hash=request_hash)


def _do_create_variants(
    user, prepared: PreparedJob, count: int, *, key: str, request_hash: str
) -> tuple[list[GenerationJob], bool]:
    """Save and charge every candidate in one transaction (do_create_job each, nested): a
    refusal of any rolls all back; a concurrent replay of the key returns that group."""
    group = uuid.uuid4()
    seeds = _seeds(prepared.job.seed, count)
    jobs = []
    with transaction.atomic():
        for number, seed in enumerate(seeds, start=1):
            job, created = do_create_job(
                user,
                _candidate(prepared, seed=seed, group=group),
                idempotency_key=key if number == 1 else candidate_key(key, number),
                request_hash=request_hash,
            )
            if not created:  # the same request won the user lock first
                return group_of(job), False
            jobs.append(job)
    return jobs, True


def _seeds(first: int, count: int) -> list[int]:
    """`first`, then seeds that differ from it and from each other."""
    seeds = [first]
    while len(seeds) < count:
        seed = secrets.randbelow(MAX_SEED + 1)
        if seed not in seeds:
            seeds.append(seed)
    return seeds


def _candidate(prepared: PreparedJob, *, seed: int, group: uuid.UUID) -> PreparedJob:
    """A fresh unsaved copy of the prepared job with its own id, seed and the group."""
    base = prepared.job
    values = {
        f.attname: copy.deepcopy(getattr(base, f.attname))
        for f in GenerationJob._meta.concrete_fields
        if f.attname != "id"
    }
    job = GenerationJob(**values)
    job.seed, job.variant_group = seed, group
    return replace(prepared, job=job)


def remove_unpublished_variants(now: datetime | None = None) -> int:
    """Delete the finished candidates nobody published, with their files, once their group
    is older than GENERATION_VARIANT_RETENTION_HOURS; returns how many went. A published
    candidate (one with a feed video) and a job outside any group are never touched."""
    hours = settings.GENERATION_VARIANT_RETENTION_HOURS
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    removed = 0
    with transaction.atomic():
        # of=("self",): PostgreSQL cannot lock the nullable side of the join to feed_video.
        jobs = list(
            GenerationJob.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(
                variant_group__isnull=False,
                video__isnull=True,
                status__in=GenerationJob.FINISHED,
                created_at__lt=cutoff,
            )
            .order_by("created_at")[:CLEANUP_BATCH]
        )
        files = []
        for job in jobs:
            names = job_storage_names([job.pk])
            try:
                with transaction.atomic():
                    job.delete()
            except ProtectedError:  # published since the query: it stays
                continue
            files += names
            removed += 1
        files += _unused_references(jobs)
        names = [name for name in files if name]
        transaction.on_commit(lambda: delete_files(names), robust=True)
    if removed:
        logger.info("removed %s unpublished variant candidates", removed)
    return removed


def _unused_references(jobs: list[GenerationJob]) -> list[str]:
    """The reference images of removed candidates that no remaining job still names (the
    candidates of one request share the one stored picture)."""
    names = {(job.provenance or {}).get("reference_image") or "" for job in jobs} - {""}
    return [
        name
        for name in names
        if not GenerationJob.objects.filter(provenance__reference_image=name).exists()
    ]
