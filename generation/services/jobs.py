"""Creating, reading and cancelling generation jobs (the web side of the lifecycle)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.exceptions import NotFound, ValidationError

from config.storage import delete_file
from generation import policy
from generation.exceptions import IdempotencyKeyReused, JobFinished
from generation.models import MAX_SECONDS, MIN_SECONDS, SIZES, GenerationJob, JobCameo
from generation.providers import default_model
from generation.services.quota import charge_quota, refund_quota

logger = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 4000
MAX_SEED = 2**31 - 1
MAX_IDEMPOTENCY_KEY = 255
ASPECT_SIZES = {"9:16": "720x1280", "16:9": "1280x720"}


def aspect_of(size: str) -> str:
    width, height = (int(v) for v in size.split("x"))
    return GenerationJob.Aspect.PORTRAIT if height > width else GenerationJob.Aspect.LANDSCAPE


def hash_request(body) -> str:
    """sha256 of the body's canonical JSON: same body → same hash, whatever the key order."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_prompt(prompt, field: str = "prompt") -> str:
    if not isinstance(prompt, str):
        raise ValidationError({field: ["Must be a string."]})
    prompt = prompt.strip()
    if "\x00" in prompt:
        raise ValidationError({field: ["Must not contain NUL characters."]})
    if not prompt:
        raise ValidationError({field: ["Must not be empty."]})
    if len(prompt) > MAX_PROMPT_CHARS:
        raise ValidationError({field: [f"At most {MAX_PROMPT_CHARS} characters."]})
    return prompt


def _clean_scalars(*, seconds, size, seed):
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ValidationError({"seconds": ["Must be a whole number of seconds."]})
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ValidationError({"seconds": [f"Must be between {MIN_SECONDS} and {MAX_SECONDS}."]})
    if size not in SIZES:
        raise ValidationError({"size": [f"Must be one of {', '.join(SIZES)}."]})
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValidationError({"seed": [f"Must be an integer between 0 and {MAX_SEED}."]})
    return seed


def _clean_storyboard(storyboard, seconds):
    if storyboard is None:
        return []
    from generation.storyboard import InvalidStoryboard, validate_storyboard

    if not isinstance(storyboard, list) or not storyboard:
        raise ValidationError({"storyboard": ["Must be a non-empty list of shots."]})
    try:
        return validate_storyboard(storyboard, seconds)
    except InvalidStoryboard as exc:
        raise ValidationError({"storyboard": [str(exc)]}) from None


def _resolve_remix(user, remix_of):
    """Ask feed (through the settings hook) whether `user` may remix that video."""
    if remix_of is None:
        return None
    try:
        video_id = uuid.UUID(str(remix_of))
    except ValueError:
        raise ValidationError({"remix_of": ["Must be a video id."]}) from None
    resolver = import_string(settings.GENERATION_REMIX_RESOLVER)
    source = resolver(user, video_id)
    if source is None:
        # Same answer for "does not exist" and "you may not see it".
        raise ValidationError({"remix_of": ["No such video."]})
    return source


def _check_cameos(user, cameos, *, lock: bool):
    from accounts.services.cameos import check_cameo_use

    return [check_cameo_use(user, cameo, context="generation", lock=lock) for cameo in cameos]


def _existing_job(user, key: str, request_hash: str):
    job = GenerationJob.objects.filter(user=user, idempotency_key=key).first()
    if job is not None and job.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return job


def _enqueue(job_id) -> None:
    from generation.tasks import run_generation_job

    try:
        run_generation_job.delay(str(job_id))
    except Exception:  # broker down: the row exists, sweep_stale_jobs enqueues it later
        logger.exception("could not enqueue generation job %s", job_id)


def _require_broker() -> None:
    """503 before anything is written when the job queue (the broker) cannot be reached.

    A fresh connection each time (about 10 ms against local Redis): a pooled one would say
    "connected" after Redis went away. Should the broker fail between this check and the
    enqueue, the job stays `queued` and sweep_stale_jobs enqueues it when the broker is back.
    """
    from config.exceptions import ServiceUnavailable
    from generation.tasks import run_generation_job

    app = run_generation_job.app
    if app.conf.task_always_eager:
        return
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception as exc:
        logger.warning("job queue unreachable, refusing a generation: %s", exc)
        error = ServiceUnavailable(
            "Generation is temporarily unavailable: the job queue cannot be reached. Nothing "
            "was created or charged; retry later with the same Idempotency-Key."
        )
        error.wait = 30  # DRF turns this into a Retry-After header
        raise error from None


def create_job(
    user,
    *,
    prompt,
    seconds=8,
    size="720x1280",
    cameo_handles=(),
    remix_of=None,
    storyboard=None,
    seed=None,
    idempotency_key,
    request_hash: str | None = None,
    extra_provenance: dict | None = None,
) -> tuple[GenerationJob, bool]:
    """Create (or, for a replayed Idempotency-Key, return) a job; charge quota exactly once.

    Validation, cameo consent, the remix hook and the prompt policy run before anything is
    written; bad input raises a ValidationError naming the field and leaves no trace.
    Returns (job, created).
    """
    from accounts.exceptions import AccountSuspended
    from accounts.services.cameos import cameo_instructions, record_cameo_use, resolve_cameos

    key = (idempotency_key or "").strip()
    if not key:
        raise ValidationError({"Idempotency-Key": ["This header is required."]})
    if len(key) > MAX_IDEMPOTENCY_KEY or "\x00" in key:
        raise ValidationError({"Idempotency-Key": [f"At most {MAX_IDEMPOTENCY_KEY} characters."]})
    if request_hash is None:
        request_hash = hash_request(
            {
                "prompt": prompt,
                "seconds": seconds,
                "size": size,
                "cameos": list(cameo_handles or ()),
                "remix_of": str(remix_of) if remix_of else None,
                "storyboard": storyboard,
                "seed": seed,
            }
        )
    existing = _existing_job(user, key, request_hash)
    if existing is not None:
        return existing, False
    if user.is_suspended:
        raise AccountSuspended()

    prompt = clean_prompt(prompt)
    seed = _clean_scalars(seconds=seconds, size=size, seed=seed)
    shots = _clean_storyboard(storyboard, seconds)
    if cameo_handles is None:
        cameo_handles = []
    if not isinstance(cameo_handles, list | tuple) or not all(
        isinstance(h, str) for h in cameo_handles
    ):
        raise ValidationError({"cameos": ["Must be a list of handles."]})
    # Consent and the remix hook run outside our transaction on purpose: a refusal appends
    # a `use_refused` ledger event that must survive our rollback.
    cameos = list(resolve_cameos(user, handles=list(cameo_handles), prompt=prompt))
    source = _resolve_remix(user, remix_of)
    if source is not None and source.cameo_ids:
        from accounts.models import Cameo

        known = {c.pk for c in cameos}
        extra = [c for c in Cameo.objects.filter(pk__in=source.cameo_ids) if c.pk not in known]
        cameos += _check_cameos(user, extra, lock=False)
    verdict = policy.run_prompt_checks(user=user, prompt=prompt, cameos=cameos)

    provider = settings.GENERATION_PROVIDER
    provenance = {"instructions": cameo_instructions(cameos)} if cameos else {}
    provenance.update(extra_provenance or {})
    job = GenerationJob(
        user=user,
        prompt=prompt,
        seconds=seconds,
        size=size,
        aspect=aspect_of(size),
        seed=seed,
        provider=provider,
        model=default_model(provider),
        storyboard=shots,
        user_storyboard=bool(shots),
        remix_of=source.video_id if source is not None else None,
        idempotency_key=key,
        request_hash=request_hash,
        policy={"prompt": verdict.as_dict()},
        provenance=provenance,
    )
    if verdict.decision != policy.BLOCK:
        _require_broker()
    User = get_user_model()
    try:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=user.pk)
            # Re-check under the lock: a concurrent request with the same key may have won.
            existing = _existing_job(user, key, request_hash)
            if existing is not None:
                return existing, False
            if locked.is_suspended:
                raise AccountSuspended()
            if verdict.decision == policy.BLOCK:
                job.status = GenerationJob.Status.BLOCKED
                job.error_code = verdict.code
                job.error_message = verdict.reason[:500]
                job.finished_at = timezone.now()
                job.save()
                return job, True
            # Consent may have been revoked since resolve_cameos: check again, row-locked.
            cameos = _check_cameos(user, cameos, lock=True)
            job.save()
            charge_quota(locked, job)
            JobCameo.objects.bulk_create([JobCameo(job=job, cameo=c) for c in cameos])
            for cameo in cameos:
                record_cameo_use(cameo, actor=user, job_id=job.id)
            transaction.on_commit(lambda: _enqueue(job.id), robust=True)
    except IntegrityError:
        existing = _existing_job(user, key, request_hash)
        if existing is None:
            raise
        return existing, False
    return job, True


def access_job(user, job_id, *, for_update: bool = False) -> GenerationJob:
    """The caller's job, or 404 — the same answer for another user's job and a missing one."""
    try:
        job_id = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound() from None
    queryset = GenerationJob.objects.filter(user=user, pk=job_id)
    if for_update:
        queryset = queryset.select_for_update()
    job = queryset.first()
    if job is None:
        raise NotFound()
    return job


def _finish(job: GenerationJob, status: str, *, code: str, message: str) -> bool:
    """Move an unfinished job to a final state and refund it. Caller holds the row lock."""
    now = timezone.now()
    updated = GenerationJob.objects.filter(pk=job.pk, status__in=GenerationJob.ACTIVE).update(
        status=status, error_code=code, error_message=message[:500], finished_at=now
    )
    if updated:
        refund_quota(job)
        job.refresh_from_db()
    return bool(updated)


def cancel_job(user, job: GenerationJob) -> GenerationJob:
    """Cancel the caller's unfinished job and refund it; a finished one is 409 job_finished.

    The pipeline notices at its next step (every progress update is a conditional UPDATE on
    the status) and stops.
    """
    with transaction.atomic():
        job = access_job(user, job.pk, for_update=True)
        if job.is_finished:
            raise JobFinished()
        _finish(
            job, GenerationJob.Status.CANCELLED, code="cancelled", message="Cancelled by the user."
        )
    return job


def cancel_jobs_using_cameo(cameo, *, reason: str) -> int:
    """Stop every use of a cameo whose consent was revoked (see `withdraw_job`).

    Runs inside the revoking transaction (accounts sends the signal there); published videos
    are feed's to take down.
    """
    job_ids = JobCameo.objects.filter(cameo=cameo).values("job_id")
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to feed_video.
    jobs = GenerationJob.objects.select_for_update(of=("self",)).filter(pk__in=job_ids)
    return sum(withdraw_job(job, code="cameo_consent_revoked", reason=reason) for job in jobs)


def withdraw_job(job: GenerationJob, *, code: str, reason: str) -> bool:
    """Stop one job from using a likeness: cancel (and refund) it while unfinished, or discard
    the files of a succeeded draft that was never published. Published jobs are feed's.

    Should be called while holding a SELECT FOR UPDATE lock on the job row.
    """
    if job.status in GenerationJob.ACTIVE:
        return _finish(job, GenerationJob.Status.CANCELLED, code=code, message=reason)
    if job.status != GenerationJob.Status.SUCCEEDED or hasattr(job, "video"):
        return False
    files = [job.video_file, job.thumbnail_file, job.preview_file]
    GenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationJob.Status.CANCELLED,
        error_code=code,
        error_message=reason[:500],
        video_file="",
        thumbnail_file="",
        preview_file="",
    )
    transaction.on_commit(lambda: [delete_file(f) for f in files], robust=True)
    return True


def delete_job(user, job: GenerationJob) -> None:
    """Delete the caller's job and its files (an unfinished one is cancelled first).

    A job published as a feed video is kept (409): the video is what the author deletes.
    """
    from django.db.models import ProtectedError

    from generation.exceptions import JobPublished

    with transaction.atomic():
        job = access_job(user, job.pk, for_update=True)
        if not job.is_finished:
            _finish(
                job,
                GenerationJob.Status.CANCELLED,
                code="cancelled",
                message="Deleted by the user.",
            )
        files = [job.video_file, job.thumbnail_file, job.preview_file]
        try:
            with transaction.atomic():
                job.delete()
        except ProtectedError:
            raise JobPublished() from None
        transaction.on_commit(lambda: [delete_file(f) for f in files], robust=True)
