"""Creating, reading and cancelling generation jobs (the web side of the lifecycle)."""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.exceptions import NotFound, ValidationError

from accounts.exceptions import AccountSuspended
from accounts.models import Cameo
from accounts.services.cameo_use import (
    cameo_instructions,
    check_cameo_use,
    record_cameo_use,
    recording_refusals,
    resolve_cameos,
)
from config.celery import app as celery_app
from config.storage import delete_files
from config.tasks import enqueue_on_commit
from events.event_types import EventType
from events.services import record_event
from generation import policy
from generation.exceptions import IdempotencyKeyReused, JobFinished, JobPublished, QueueUnreachable
from generation.formats import aspect_of
from generation.lock_objects import lock_job_creator
from generation.models import GenerationJob, JobCameo, JobParent, Rendition
from generation.providers import default_model
from generation.services.publishing import job_storage_names
from generation.services.quota import charge_quota, refund_quota
from generation.storyboard import InvalidStoryboard, plan_storyboard, with_owner_constraints
from generation.task_names import RUN_GENERATION_JOB

logger = logging.getLogger(__name__)

MAX_PROMPT_CHARS = 4000
MAX_SEED = 2**31 - 1
MAX_IDEMPOTENCY_KEY = 255
# The storyboard fields that are free text (rendered on screen, voiced, or sent to a model).
SHOT_FIELDS = ("subject", "action", "caption", "dialogue", "notes")


@dataclass(frozen=True)
class PreparedJob:
    """What check_create_job decided and do_create_job writes: an unsaved job, the cameos it
    shows (each checked once already) and the content gate's verdict."""

    job: GenerationJob
    cameos: list
    verdict: policy.PolicyVerdict
    texts: tuple[tuple[str, str], ...] = ()  # the user texts (a paid job's rights holders)
    # A derived job (generation.services.derived): the jobs it is made from, as
    # (parent job, JobParent relation), and whether it is charged at all (a stitch that only
    # joins is not; what a charged job pays for is its `billed_seconds` or else `seconds`).
    parents: tuple = ()
    charged: bool = True


def hash_request(body) -> str:
    """sha256 of the body's canonical JSON: same body → same hash, whatever the key order."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def clean_idempotency_key(value) -> str:
    """The Idempotency-Key header, required (a header, so no serializer sees it)."""
    key = (value or "").strip()
    if not key:
        raise ValidationError({"Idempotency-Key": ["This header is required."]})
    if len(key) > MAX_IDEMPOTENCY_KEY or "\x00" in key:
        raise ValidationError({"Idempotency-Key": [f"At most {MAX_IDEMPOTENCY_KEY} characters."]})
    return key


def content_texts(prompt: str, shots: list[dict]) -> list[tuple[str, str]]:
    """Every piece of user text a job would render, named as the request names it."""
    texts = [("prompt", prompt)]
    for position, shot in enumerate(shots):
        texts += [(f"storyboard[{position}].{key}", shot.get(key) or "") for key in SHOT_FIELDS]
    return texts


# What the planner writes from the prompt that a renderer shows or voices (its `notes` only
# repeat these with boilerplate, and `constraints` are the cameo owners' own words).
PLANNED_FIELDS = ("subject", "action", "caption", "dialogue")


def planned_texts(prompt: str, seconds, seed: int) -> list[tuple[str, str]]:
    """The text the worker's planner will hand the renderer for a job without a storyboard,
    named `plan[i].field`. Planning is deterministic (prompt, seconds, seed), so the gate
    checks at creation exactly what `pipeline._plan` produces later: the planner splits,
    merges and re-joins the prompt (one spoken line per script line becomes one shot's
    dialogue), which can form text the prompt as typed does not contain."""
    try:
        shots = plan_storyboard(prompt, seconds, seed=seed)
    except InvalidStoryboard:  # the worker fails such a job with the planner's message
        return []
    return [
        (f"plan[{position}].{key}", shot.get(key) or "")
        for position, shot in enumerate(shots)
        for key in PLANNED_FIELDS
    ]


def _resolve_remix(user, remix_of):
    """Ask feed (through the settings hook) whether `user` may remix that video."""
    if remix_of is None:
        return None
    resolver = import_string(settings.GENERATION_REMIX_RESOLVER)
    source = resolver(user, uuid.UUID(str(remix_of)))
    if source is None:
        # Same answer for "does not exist" and "you may not see it".
        raise ValidationError({"remix_of": ["No such video."]})
    return source


def _check_cameos(user, cameos, *, lock: bool):
    return [check_cameo_use(user, cameo, context="generation", lock=lock) for cameo in cameos]


def _requested_cameos(user, *, handles, texts) -> list:
    """The cameos asked for or @-mentioned in any of the texts, each checked for consent.

    Runs outside any transaction on purpose: a refusal appends a `use_refused` ledger event
    that must survive the request's failure."""
    mention_text = "\n".join(text for _, text in texts)
    return list(resolve_cameos(user, handles=list(handles or ()), prompt=mention_text))


def _remix_cameos(user, source, known: list) -> list:
    """The cameos the remixed video shows that the request did not already name, checked."""

    if source is None or not source.cameo_ids:
        return []
    known_ids = {c.pk for c in known}
    extra = [c for c in Cameo.objects.filter(pk__in=source.cameo_ids) if c.pk not in known_ids]
    return _check_cameos(user, extra, lock=False)


def _existing_job(user, key: str, request_hash: str):
    job = GenerationJob.objects.filter(user=user, idempotency_key=key).first()
    if job is not None and job.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return job


def _enqueue(job_id) -> None:
    """Run the job after commit (broker down: the row exists, sweep_stale_jobs enqueues it)."""
    enqueue_on_commit(RUN_GENERATION_JOB, str(job_id))


def _require_broker() -> None:
    """503 before anything is written when the job queue (the broker) cannot be reached.

    A fresh connection each time (about 10 ms against local Redis): a pooled one would say
    "connected" after Redis went away. Should the broker fail between this check and the
    enqueue, the job stays `queued` and sweep_stale_jobs enqueues it when the broker is back.
    """
    if celery_app.conf.task_always_eager:
        return
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=3)
    except Exception as exc:
        logger.warning("job queue unreachable, refusing a generation: %s", exc)
        raise QueueUnreachable(
            "Generation is temporarily unavailable: the job queue cannot be reached. Nothing "
            "was created or charged; retry later with the same Idempotency-Key."
        ) from None


def create_job(
    user,
    *,
    prompt: str,
    seconds: int = 8,
    size: str = "720x1280",
    cameo_handles=(),
    remix_of=None,
    storyboard: list[dict] | None = None,
    seed: int | None = None,
    idempotency_key: str,
    request_hash: str | None = None,
    extra_provenance: dict | None = None,
) -> tuple[GenerationJob, bool]:
    """Create (or, for a replayed Idempotency-Key, return) a job; charge quota exactly once.

    The input is what GenerationCreateSerializer (or /v1's serializers) validated: `storyboard`
    is its normalised shots. Consent, the remix hook and the content gate run before anything
    is written. Returns (job, created).
    """
    key = clean_idempotency_key(idempotency_key)
    fields = {
        "prompt": prompt,
        "seconds": seconds,
        "size": size,
        "cameo_handles": list(cameo_handles or ()),
        "remix_of": remix_of,
        "storyboard": storyboard,
        "seed": seed,
    }
    if request_hash is None:  # a caller without a request body: hash the fields, as before
        body = {("cameos" if k == "cameo_handles" else k): v for k, v in fields.items()}
        request_hash = hash_request(body)
    existing = _existing_job(user, key, request_hash)
    if existing is not None:
        return existing, False
    # A refusal stays on the owner's ledger even when do_create_job's transaction rolls back.
    with recording_refusals():
        prepared = check_create_job(user, **fields, extra_provenance=extra_provenance)
        return do_create_job(user, prepared, idempotency_key=key, request_hash=request_hash)


def check_create_job(
    user,
    *,
    prompt,
    seconds,
    size,
    cameo_handles,
    remix_of,
    storyboard,
    seed,
    extra_provenance,
    extra_cameos=(),
) -> PreparedJob:
    """Decide everything that needs the database or the user, writing nothing (but refusals
    on the cameo ledger): suspension, consent for every cameo shown, the remix, the gate.
    `extra_cameos` are likenesses the job shows without naming them (the clips a derived
    job is made from): each is checked for consent like a named one."""

    if user.is_suspended:
        raise AccountSuspended()
    shots = list(storyboard or [])
    seed = seed if seed is not None else secrets.randbelow(MAX_SEED + 1)
    texts = content_texts(prompt, shots)
    cameos = _requested_cameos(user, handles=cameo_handles, texts=texts)
    source = _resolve_remix(user, remix_of)
    cameos += _remix_cameos(user, source, cameos)
    known = {c.pk for c in cameos}
    cameos += _check_cameos(user, [c for c in extra_cameos if c.pk not in known], lock=False)
    rendered = texts if shots else texts + planned_texts(prompt, seconds, seed)
    verdict = policy.check_content(user=user, texts=rendered, cameos=cameos)
    instructions = cameo_instructions(cameos)
    provenance = {"instructions": instructions} if cameos else {}
    provenance.update(extra_provenance or {})
    provider = settings.GENERATION_PROVIDER
    job = GenerationJob(
        user=user,
        prompt=prompt,
        seconds=seconds,
        size=size,
        aspect=aspect_of(size),
        seed=seed,
        provider=provider,
        model=default_model(provider),
        storyboard=with_owner_constraints(shots, instructions),
        user_storyboard=bool(shots),
        remix_of=source.video_id if source is not None else None,
        policy={"prompt": verdict.as_dict()},
        provenance=provenance,
    )
    return PreparedJob(job=job, cameos=cameos, verdict=verdict, texts=tuple(texts))


def do_create_job(
    user, prepared: PreparedJob, *, idempotency_key: str, request_hash: str
) -> tuple[GenerationJob, bool]:
    """Lock the user, re-check what may have changed, then charge, record and enqueue.

    A concurrent request with the same key, a suspension or a revocation since
    check_create_job are all seen here, under the user-row lock.
    """

    job, blocked = prepared.job, prepared.verdict.decision == policy.BLOCK
    job.idempotency_key, job.request_hash = idempotency_key, request_hash
    if not blocked:
        _require_broker()
    try:
        with transaction.atomic():
            locked = lock_job_creator(user)
            existing = _existing_job(user, idempotency_key, request_hash)
            if existing is not None:
                return existing, False
            if locked.is_suspended:
                raise AccountSuspended()
            if blocked:
                _save_blocked(job, prepared.verdict)
            else:
                _save_and_charge(user, locked, prepared)
    except IntegrityError:
        existing = _existing_job(user, idempotency_key, request_hash)
        if existing is None:
            raise
        return existing, False
    return job, True


def _save_blocked(job: GenerationJob, verdict: policy.PolicyVerdict) -> None:
    """A refused job is kept (the user sees why) but never charged nor rendered."""
    where = "" if verdict.field in ("", "prompt") else f"{verdict.field}: "
    job.status = GenerationJob.Status.BLOCKED
    job.error_code = verdict.code
    job.error_message = f"{where}{verdict.reason}"[:500]
    job.finished_at = timezone.now()
    job.save()
    data = {"job": str(job.pk), "error_code": job.error_code}
    record_event(EventType.VIDEO_FAILED, user=job.user_id, data=data)


def _save_and_charge(user, locked_user, prepared: PreparedJob) -> None:
    """Should be called inside the transaction holding the user-row lock (`locked_user`).
    A refusal to charge (429 quota, 402 credits) rolls the saved job back with it."""
    job, texts = prepared.job, list(prepared.texts)
    # Consent may have been revoked since check_create_job: check again, row-locked.
    cameos = _check_cameos(user, prepared.cameos, lock=True)
    job.save()
    if prepared.charged:
        charge_quota(locked_user, job, texts=texts)
    JobParent.objects.bulk_create(
        JobParent(job=job, parent=parent, relation=relation, position=position)
        for position, (parent, relation) in enumerate(prepared.parents)
    )
    JobCameo.objects.bulk_create([JobCameo(job=job, cameo=c) for c in cameos])
    for cameo in cameos:
        record_cameo_use(cameo, actor=user, job_id=job.id)
    _enqueue(job.id)


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
    files = job_storage_names([job.pk])
    GenerationJob.objects.filter(pk=job.pk).update(
        status=GenerationJob.Status.CANCELLED,
        error_code=code,
        error_message=reason[:500],
        video_file="",
        thumbnail_file="",
        preview_file="",
        hls_file="",
    )
    Rendition.objects.filter(job_id=job.pk).delete()
    transaction.on_commit(lambda: delete_files(files), robust=True)
    return True


def delete_job(user, job: GenerationJob) -> None:
    """Delete the caller's job and its files (an unfinished one is cancelled first).

    A job published as a feed video is kept (409): the video is what the author deletes.
    """
    from django.db.models import ProtectedError

    with transaction.atomic():
        job = access_job(user, job.pk, for_update=True)
        if not job.is_finished:
            _finish(
                job,
                GenerationJob.Status.CANCELLED,
                code="cancelled",
                message="Deleted by the user.",
            )
        files = job_storage_names([job.pk])
        try:
            with transaction.atomic():
                job.delete()
        except ProtectedError:
            raise JobPublished() from None
        transaction.on_commit(lambda: delete_files(files), robust=True)


def erase_jobs_of(user) -> int:
    """Account erasure (accounts.signals.user_erased): every job of `user` goes, with its clip,
    thumbnail, preview, renditions, HLS files and reference image (deleted once the erasure
    commits); returns how many.

    Unfinished jobs are cancelled first (the worker finds them gone or cancelled). A job behind
    a feed video cannot be deleted (the video row keeps it, and feed marks that video deleted
    in the same erasure): it is kept as a bare row, cancelled, with its prompt, storyboard and
    file names blanked. Runs inside the erasing transaction.
    """
    jobs = list(GenerationJob.objects.select_for_update(of=("self",)).filter(user=user))
    files = []
    published = set(
        GenerationJob.objects.filter(user=user, video__isnull=False).values_list("pk", flat=True)
    )
    # Clip, stills, HLS master, every rendition's MP4 and HLS files, and reference images.
    files = job_storage_names([job.pk for job in jobs])
    files += [(job.provenance or {}).get("reference_image", "") for job in jobs]
    # An extended upload (/v1/videos/extensions) is the user's clip too.
    files += [((job.provenance or {}).get("extension") or {}).get("upload", "") for job in jobs]
    GenerationJob.objects.filter(pk__in=published).update(
        status=GenerationJob.Status.CANCELLED,
        error_code="account_erased",
        error_message="",
        prompt="",
        storyboard=[],
        policy={},
        provenance={},
        idempotency_key=None,
        video_file="",
        thumbnail_file="",
        preview_file="",
        hls_file="",
    )
    Rendition.objects.filter(job_id__in=published).delete()
    GenerationJob.objects.filter(user=user).exclude(pk__in=published).delete()
    names = [name for name in files if name]
    transaction.on_commit(lambda: delete_files(names), robust=True)
    return len(jobs)
