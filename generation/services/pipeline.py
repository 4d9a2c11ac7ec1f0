"""The worker side of the lifecycle: queued → planning → rendering → post_processing → done.

Every state change is a conditional UPDATE on the job's current status and attempt number (a
fence: an attempt the sweep gave up on must not write into the attempt that replaced it, even in
the same status), so a task that lost ownership (the job was cancelled, or the sweep handed it
to another worker) finds 0 rows and stops. Each claim bumps `attempts`; after
settings.GENERATION_MAX_ATTEMPTS the job fails (a task that kills its worker would otherwise be
redelivered forever). Each attempt stores its files in its own folder
(`clips/<job id>/<attempt>/…`) and removes what earlier attempts left, so a retried job is
stored once and a paused, superseded attempt can only ever touch its own folder (never the
files of the attempt that replaced it); the quota is refunded through a ledger row that can
exist once per job.
"""

from __future__ import annotations

import logging
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.storage import delete_file, file_exists, save_file
from config.tasks import enqueue_on_commit
from events.event_types import EventType
from events.services import record_event
from generation import policy
from generation.exceptions import JobCancelled
from generation.models import GenerationJob
from generation.postprocess import postprocess_clip, postprocess_frames, watermark_label
from generation.providers import (
    JobSpec,
    ProviderError,
    ProviderJobLost,
    ProviderRefused,
    ProviderTimeout,
    get_provider,
)
from generation.providers.base import FAILED
from generation.providers.local import remove_abandoned_partials
from generation.references import fetch_reference
from generation.services.quota import refund_quota
from generation.services.renditions import (
    StoredRenditions,
    create_renditions,
    remove_folder_quietly,
    store_exactly,
    store_renditions,
)
from generation.signals import job_succeeded
from generation.storyboard import InvalidStoryboard, plan_storyboard, validate_storyboard
from generation.task_names import RUN_GENERATION_JOB
from media.errors import InvalidMedia

logger = logging.getLogger(__name__)
Status = GenerationJob.Status
RUNNING = (Status.PLANNING, Status.RENDERING, Status.POST_PROCESSING)

# Progress bands per step (percent).
PLANNED = 5
RENDER_START, RENDER_END = 10, 80
POST_PROCESSING = 85
UPLOADING = 95
QUEUED_GRACE = timedelta(minutes=1)


class JobLost(Exception):
    """Another worker (or the sweep) owns the job now."""


class StorageUnavailable(Exception):
    """The file storage kept refusing the finished clip after every retry."""


def clip_folder(job_id: uuid.UUID | str, attempt: int) -> str:
    return f"clips/{job_id}/{attempt}"


def clip_names(job_id: uuid.UUID | str, attempt: int) -> dict[str, str]:
    folder = clip_folder(job_id, attempt)
    return {
        "video": f"{folder}/video.mp4",
        "thumbnail": f"{folder}/thumbnail.jpg",
        "preview": f"{folder}/preview.jpg",
    }


# --- state changes ---------------------------------------------------------------------


def claim_job(job_id: uuid.UUID | str) -> GenerationJob | None:
    """queued → planning, if nobody else did; None when the job is not ours to run."""
    now = timezone.now()
    claimed = GenerationJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
        status=Status.PLANNING,
        attempts=F("attempts") + 1,
        started_at=Coalesce(F("started_at"), now),
        heartbeat_at=now,
        progress=0,
    )
    if not claimed:
        return None
    job = GenerationJob.objects.get(pk=job_id)
    if job.attempts > settings.GENERATION_MAX_ATTEMPTS:
        fail_job(
            job,
            "too_many_attempts",
            f"Rendering was tried {settings.GENERATION_MAX_ATTEMPTS} times and did not finish.",
        )
        return None
    return job


def _advance(job: GenerationJob, from_status: str, to_status: str, **fields) -> None:
    updated = GenerationJob.objects.filter(
        pk=job.pk, status=from_status, attempts=job.attempts
    ).update(status=to_status, heartbeat_at=timezone.now(), **fields)
    if not updated:
        _raise_lost(job)
    job.status = to_status
    for name, value in fields.items():
        setattr(job, name, value)


def _raise_lost(job: GenerationJob):
    status = GenerationJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
    if status == Status.CANCELLED:
        raise JobCancelled()
    raise JobLost()


def _touch(job: GenerationJob, progress: int) -> None:
    """Heartbeat + progress; also how a running step learns it was cancelled."""
    updated = GenerationJob.objects.filter(
        pk=job.pk, status=job.status, attempts=job.attempts
    ).update(progress=min(max(progress, 0), 100), heartbeat_at=timezone.now())
    if not updated:
        _raise_lost(job)


def _finish(job_id, status: str, code: str, message: str, **fields) -> bool:
    with transaction.atomic():
        updated = GenerationJob.objects.filter(pk=job_id, status__in=GenerationJob.ACTIVE).update(
            status=status,
            error_code=code,
            error_message=message[:500],
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            **fields,
        )
        if updated:
            refund_quota(GenerationJob(pk=job_id))
            if status in (Status.FAILED, Status.BLOCKED):
                _record_failed(job_id)
    return bool(updated)


def _record_failed(job_id) -> None:
    """Outbox `video.failed` (OpenAI's name; a blocked job is `failed` on /v1 too)."""
    row = GenerationJob.objects.filter(pk=job_id).values("user_id", "error_code").first()
    if row is not None:
        data = {"job": str(job_id), "error_code": row["error_code"]}
        record_event(EventType.VIDEO_FAILED, user=row["user_id"], data=data)


def fail_job(job: GenerationJob, code: str, message: str) -> bool:
    """End an unfinished job `failed` with a readable error and refund it (once)."""
    logger.info("generation job %s failed: %s %s", job.pk, code, message)
    return _finish(job.pk, Status.FAILED, code, message)


def requeue_or_fail(job: GenerationJob, code: str, message: str, *, countdown: int = 5) -> str:
    """After an unexpected error: back to `queued` for another attempt, or fail when spent."""
    attempts = GenerationJob.objects.filter(pk=job.pk).values_list("attempts", flat=True).first()
    if attempts is None:
        return "gone"
    if attempts >= settings.GENERATION_MAX_ATTEMPTS:
        fail_job(job, code, message)
        return "failed"
    requeued = GenerationJob.objects.filter(pk=job.pk, status__in=RUNNING).update(
        status=Status.QUEUED, progress=0, heartbeat_at=timezone.now()
    )
    if requeued:
        _enqueue_after_commit(job.pk, countdown=countdown)
        return "requeued"
    return "lost"


def _enqueue_after_commit(job_id, countdown: int = 0) -> None:
    """Run the job again after commit (a lost enqueue: the sweep enqueues it again)."""
    enqueue_on_commit(RUN_GENERATION_JOB, str(job_id), countdown=countdown)


# --- the pipeline ----------------------------------------------------------------------


def run_job(job_id: uuid.UUID | str) -> str:
    """Run one attempt of a job. Returns what happened (for logs and tests)."""
    from celery.exceptions import SoftTimeLimitExceeded

    job = claim_job(job_id)
    if job is None:
        return "skipped"
    try:
        with tempfile.TemporaryDirectory(prefix=f"job-{job.pk}-") as workdir:
            _run(job, Path(workdir))
        return "succeeded" if job.status == Status.SUCCEEDED else job.status
    except JobCancelled:
        _cancel_at_provider(job)
        return "cancelled"
    except JobLost:
        return "lost"
    except ProviderError as exc:
        fail_job(job, exc.code, exc.message)
        return "failed"
    except InvalidMedia as exc:
        fail_job(
            job, f"invalid_output_{exc.code}", f"The rendered clip was unusable: {exc.message}"
        )
        return "failed"
    except _storyboard_error() as exc:
        fail_job(job, "invalid_storyboard", str(exc))
        return "failed"
    except StorageUnavailable:
        fail_job(
            job,
            "storage_unavailable",
            "The finished clip could not be saved because file storage is unreachable; "
            "nothing was published and your quota was refunded. Try again later.",
        )
        return "failed"
    except SoftTimeLimitExceeded:
        return requeue_or_fail(job, "timeout", "Rendering took too long and was stopped.")
    except Exception:
        logger.exception("generation job %s crashed (attempt %s)", job.pk, job.attempts)
        return requeue_or_fail(job, "internal_error", "Rendering failed unexpectedly.")


def _storyboard_error():

    return InvalidStoryboard


def _run(job: GenerationJob, workdir: Path) -> None:
    shots = _plan(job)
    _advance(job, Status.PLANNING, Status.RENDERING, progress=RENDER_START)
    provider = get_provider(job.provider)
    if provider.yields_frames:
        processed, provenance = _render_in_memory(job, provider, shots, workdir)
        _advance(job, Status.RENDERING, Status.POST_PROCESSING, progress=POST_PROCESSING)
        _publish(job, processed, provenance)
        return
    source = _render(job, provider, shots, workdir)
    _advance(job, Status.RENDERING, Status.POST_PROCESSING, progress=POST_PROCESSING)
    _post_process(job, source, workdir)


def _plan(job: GenerationJob) -> list[dict]:

    if job.user_storyboard and job.storyboard:
        shots = validate_storyboard(job.storyboard, job.seconds)
    else:
        shots = plan_storyboard(
            job.prompt,
            job.seconds,
            seed=job.seed,
            cameo_instructions=tuple(job.provenance.get("instructions", ())),
        )
    _advance(job, Status.PLANNING, Status.PLANNING, storyboard=shots, progress=PLANNED)
    return shots


def _spec(job: GenerationJob, shots: list[dict], workdir: Path, progress, **extra) -> JobSpec:
    return JobSpec(
        job_id=str(job.pk),
        prompt=_provider_prompt(job),
        seconds=job.seconds,
        size=job.size,
        seed=job.seed,
        model=job.model,
        shots=shots,
        progress=progress,
        reference_image=fetch_reference(job.provenance, workdir),
        **extra,
    )


def _render(job: GenerationJob, provider, shots: list[dict], workdir: Path) -> Path:
    """Have a file-returning provider render `shots` (resuming a render it already
    submitted) and download the result into `workdir`."""
    progress = _RenderProgress(job)
    spec = _spec(job, shots, workdir, progress)
    provider_job_id = _submitted_render(job, provider, spec)
    _wait_for_render(job, provider, provider_job_id, progress)
    return provider.download(provider_job_id, workdir / "source.mp4")


def _render_in_memory(job: GenerationJob, provider, shots: list[dict], workdir: Path):
    """Render and post-process in one pass for a provider that yields frames: its frames go
    to postprocess_frames as they are made (watermark, stills, every rendition encoded once,
    HLS), with no intermediate MP4 to decode. Returns (ProcessedClip, provenance).

    Nothing is resumed: a retried attempt renders again (its outputs lived in the earlier
    attempt's workdir); a file render an older attempt left for this job is removed."""
    made: dict = {}

    def sink(stream) -> None:
        made["provenance"] = provenance = provenance_for(job)
        made["clip"] = postprocess_frames(
            stream,
            workdir=workdir,
            watermark=watermark_label(job.user.handle),
            provenance=provenance,
        )

    if job.provider_job_id:
        provider.cancel(job.provider_job_id)
    spec = _spec(job, shots, workdir, _RenderProgress(job), frame_sink=sink)
    provider_job_id = provider.submit(spec)
    if "clip" not in made:
        raise ProviderError("no_frames", "The renderer finished without handing over a clip.")
    _advance(job, Status.RENDERING, Status.RENDERING, provider_job_id=provider_job_id)
    return made["clip"], made["provenance"]


class _RenderProgress:
    """The provider's progress callback: the job's percentage within the render stage, written
    at most twice a second (and always at the stage's end)."""

    def __init__(self, job: GenerationJob):
        self.job, self.at, self.pct = job, 0.0, -1

    def __call__(self, fraction: float) -> None:
        pct = RENDER_START + int((RENDER_END - RENDER_START) * min(max(fraction, 0.0), 1.0))
        now = time.monotonic()
        if pct != self.pct and (now - self.at >= 0.5 or pct >= RENDER_END):
            self.at, self.pct = now, pct
            _touch(self.job, pct)


def _submitted_render(job: GenerationJob, provider, spec) -> str:
    """The provider's id for this job's render: the one it already has (a retried job), or a
    new submission when the provider lost it or there was none."""

    provider_job_id = job.provider_job_id
    if provider_job_id:
        try:
            provider.poll(provider_job_id)
        except ProviderJobLost:
            provider_job_id = ""
    if not provider_job_id:
        provider_job_id = provider.submit(spec)
        _advance(job, Status.RENDERING, Status.RENDERING, provider_job_id=provider_job_id)
    return provider_job_id


def _wait_for_render(job: GenerationJob, provider, provider_job_id: str, progress) -> None:
    """Poll until the render is done; a failed render raises, one past the provider timeout is
    cancelled and raises ProviderTimeout. The heartbeat is stamped at every poll."""

    timeout = settings.GENERATION_PROVIDER_TIMEOUT_SECONDS
    interval = settings.GENERATION_POLL_INTERVAL_SECONDS
    deadline = time.monotonic() + timeout
    while True:
        status = provider.poll(provider_job_id)
        if status.status == FAILED:
            error = ProviderRefused if status.error_code == "provider_refused" else ProviderError
            raise error(status.error_code or "provider_failed", status.error_message)
        if status.done:
            return
        progress(status.progress / 100)
        _touch(job, max(int(progress.pct), RENDER_START))
        if time.monotonic() >= deadline:
            provider.cancel(provider_job_id)
            raise ProviderTimeout(
                "provider_timeout",
                f"The video provider did not finish within {timeout} seconds.",
            )
        time.sleep(interval)


def _provider_prompt(job: GenerationJob) -> str:
    """The prompt a hosted model sees: the user's, plus the cameo owners' instructions, which
    every generation with their likeness must respect (the local renderer gets them through
    the storyboard's shots)."""
    instructions = job.provenance.get("instructions") or []
    if not instructions:
        return job.prompt
    return (
        job.prompt
        + "\n\nInstructions that must be respected:\n"
        + "\n".join(f"- {line}" for line in instructions)
    )


def _cancel_at_provider(job: GenerationJob) -> None:
    provider_job_id = (
        GenerationJob.objects.filter(pk=job.pk).values_list("provider_job_id", flat=True).first()
    )
    if not provider_job_id:
        return
    try:
        get_provider(job.provider).cancel(provider_job_id)
    except Exception:  # best effort: the job is already cancelled on our side
        logger.warning("could not cancel provider job %s", provider_job_id, exc_info=True)


def provenance_for(job: GenerationJob) -> dict:
    return {
        "generator": "cutaway",
        "job_id": str(job.pk),
        "user_id": job.user_id,
        "user": job.user.handle,
        "created_at": job.created_at.isoformat(),
        "rendered_at": timezone.now().isoformat(),
        "provider": job.provider,
        "model": job.model,
        "prompt": job.prompt,
        "seed": job.seed,
        "seconds": job.seconds,
        "size": job.size,
        "remix_of": str(job.remix_of) if job.remix_of else None,
    }


def _post_process(job: GenerationJob, source: Path, workdir: Path) -> None:
    """Decode, watermark and encode a provider's file, then _publish it."""
    provenance = provenance_for(job)
    from generation.providers import SCALED_IN_POST

    processed = postprocess_clip(
        source,
        workdir=workdir,
        watermark=watermark_label(job.user.handle),
        provenance=provenance,
        size=job.size if job.provider in SCALED_IN_POST else None,
    )
    _publish(job, processed, provenance)


def _publish(job: GenerationJob, processed, provenance: dict) -> None:
    """Output checks, storage and the fenced final write of a post-processed clip."""
    _touch(job, POST_PROCESSING + 5)
    review = policy.review_output(job=job, video_path=Path(processed.video_path))
    verdict = review.verdict
    job_policy = {**job.policy, "output": verdict.as_dict()}
    if review.evidence or review.files:
        # What the checks saw (per-frame scores, their thumbnails) is for moderators; the
        # files are listed so that they go wherever the job's files go (job_storage_names).
        job_policy.update(output_evidence=review.evidence, output_files=review.files)
    if verdict.decision == policy.BLOCK:
        _finish(job.pk, Status.BLOCKED, verdict.code, verdict.reason, policy=job_policy)
        job.status = Status.BLOCKED
        return

    _touch(job, UPLOADING)
    stored, renditions = _store_clip(job, processed)
    probe = processed.probe if isinstance(processed.probe, dict) else processed.probe.as_dict()
    record = {
        **job.provenance,
        **provenance,
        "sha256": processed.sha256,
        "source_sha256": getattr(processed, "source_sha256", ""),
    }
    with transaction.atomic():
        updated = GenerationJob.objects.filter(
            pk=job.pk, status=Status.POST_PROCESSING, attempts=job.attempts
        ).update(
            status=Status.SUCCEEDED,
            progress=100,
            sha256=processed.sha256,
            probe=probe,
            provenance=record,
            policy=job_policy,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            error_code="",
            error_message="",
            hls_file=renditions.hls_file,
            **stored,
        )
        if updated:
            create_renditions(job.pk, renditions.rows)
            job.refresh_from_db()
            record_event(EventType.VIDEO_COMPLETED, user=job.user_id, data={"job": str(job.pk)})
            transaction.on_commit(lambda: job_succeeded.send(sender=GenerationJob, job=job))
    if not updated:
        # Superseded: what this attempt uploaded sits in its own folder and is nobody's.
        _remove_quietly([*stored.values(), *renditions.names])
        _raise_lost(job)


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (OSError,)
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return errors
    return (*errors, BotoCoreError, ClientError)


def _store_clip(job: GenerationJob, processed) -> tuple[dict[str, str], StoredRenditions]:
    """Upload the three files, then the smaller renditions and the HLS files, retrying the
    whole set with exponential backoff while storage is unreachable (the render is kept: only
    the upload is redone). A failed try removes what it stored, so a job that gives up leaves
    no half-published objects behind."""
    for earlier in range(1, job.attempts):
        remove_folder_quietly(clip_folder(job.pk, earlier))
    names = clip_names(job.pk, job.attempts)
    files = {
        "video_file": (names["video"], processed.video_path),
        "thumbnail_file": (names["thumbnail"], processed.thumbnail_path),
        "preview_file": (names["preview"], processed.preview_path),
    }
    tries = max(int(settings.GENERATION_STORAGE_ATTEMPTS), 1)
    delay = float(settings.GENERATION_STORAGE_BACKOFF_SECONDS)
    errors = _storage_errors()
    for attempt in range(1, tries + 1):
        stored: dict[str, str] = {}
        try:
            for field, (name, path) in files.items():
                stored[field] = _store(name, path)
            renditions = store_renditions(
                clip_folder(job.pk, job.attempts),
                processed,
                original_name=stored["video_file"],
                store=store_exactly,
            )
            return stored, renditions
        except errors as exc:
            _remove_quietly(stored.values())
            if attempt == tries:
                logger.warning("job %s: storage unavailable, giving up: %s", job.pk, exc)
                raise StorageUnavailable() from exc
            logger.warning(
                "job %s: storage unavailable (try %d of %d), retrying in %.1f s: %s",
                job.pk,
                attempt,
                tries,
                delay,
                exc,
            )
            time.sleep(delay)
            delay *= 2
            _touch(job, UPLOADING)  # heartbeat, and stop here if cancelled meanwhile
    raise StorageUnavailable()  # pragma: no cover - the loop returns or raises


def _remove_quietly(names) -> None:
    for name in names:
        try:
            if file_exists(name):
                delete_file(name)
        except Exception:  # storage is down: nothing more we can do now
            logger.warning("could not remove partial upload %s", name, exc_info=True)


def _store(name: str, path) -> str:
    """Store under this attempt's fixed name, replacing what a failed try of it left there."""
    if file_exists(name):
        delete_file(name)
    with open(path, "rb") as handle:
        return save_file(name, handle)


# --- the sweep -------------------------------------------------------------------------


def sweep_stale_jobs() -> dict:
    """Re-enqueue jobs stuck in `queued` (a lost enqueue), retry or fail running jobs whose
    heartbeat stopped (a killed worker), and remove the half-written local renders such
    workers left on this machine."""

    now = timezone.now()
    counts = {"requeued": 0, "retried": 0, "failed": 0}
    counts["partials_removed"] = remove_abandoned_partials(settings.GENERATION_STALE_AFTER_SECONDS)
    queued_before = now - QUEUED_GRACE
    stuck = GenerationJob.objects.filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=queued_before),
        status=Status.QUEUED,
        created_at__lt=queued_before,
    ).values_list("pk", flat=True)
    for job_id in list(stuck[:500]):
        # Stamp heartbeat_at so the next sweep does not enqueue it again right away.
        if GenerationJob.objects.filter(pk=job_id, status=Status.QUEUED).update(heartbeat_at=now):
            _enqueue_after_commit(job_id)
            counts["requeued"] += 1

    stale_before = now - timedelta(seconds=settings.GENERATION_STALE_AFTER_SECONDS)
    stale = GenerationJob.objects.filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before), status__in=RUNNING
    )
    for job in list(stale[:500]):
        if job.attempts >= settings.GENERATION_MAX_ATTEMPTS:
            if fail_job(job, "stale", "The job stopped making progress and was given up."):
                counts["failed"] += 1
            continue
        requeued = GenerationJob.objects.filter(
            pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
        ).update(status=Status.QUEUED, progress=0, heartbeat_at=now)
        if requeued:
            _enqueue_after_commit(job.pk)
            counts["retried"] += 1
    return counts
