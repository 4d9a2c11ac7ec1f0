"""Editing a succeeded clip: re-render the named shots of its storyboard, keep the others.

    create_edit(user, source_id, shots=[{index, ...changed fields}], idempotency_key=…)

The edit is a new job with the source's prompt, size, seconds, seed and storyboard, the
named shots' fields replaced. The local renderer draws each shot from (shot, seed, size) only
and encodes it from an IDR frame at a constant quantiser (render/encoder.py), and the
watermark depends on the frame's time, so every shot the edit keeps decodes to the source's
pixels exactly. That is why an edit never changes a shot's length: the shots after it would
move in time (and the watermark with them). It is charged for the seconds it re-renders.

Everything a create checks is checked again through check_create_job/do_create_job: the
content gate over every text (changed ones included), consent for every likeness the source
shows, suspension, quota and credits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tempfile
from pathlib import Path

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError

from accounts.services.cameo_use import recording_refusals
from config.storage import servable_refs
from generation import policy
from generation.exceptions import IdempotencyKeyReused, JobNotSucceeded
from generation.formats import MAX_SECONDS, MIN_SECONDS
from generation.models import GenerationJob, JobParent
from generation.services.jobs import (
    access_job,
    check_create_job,
    clean_idempotency_key,
    create_job,
    do_create_job,
    hash_request,
)
from generation.services.publishing import job_file_ref
from media.errors import InvalidMedia
from media.frames import clip_shows_a_face
from media.probe import probe_video
from media.sniff import check_video_upload

# What an edit may change in a shot (its length and position stay: see the module docstring).
EDITABLE_FIELDS = ("subject", "action", "caption", "dialogue", "notes", "camera")


def access_edit_source(user, job_id) -> GenerationJob:
    """The caller's succeeded job whose clip may still be shown: 404 for another user's (or a
    removed one), 409 job_not_succeeded for one that has no clip."""
    source = access_job(user, job_id)
    if source.status != GenerationJob.Status.SUCCEEDED:
        raise JobNotSucceeded()
    ref = job_file_ref(source.pk)
    if ref not in servable_refs([ref]):  # taken down or consent withdrawn: nothing to edit
        raise NotFound()
    return source


def edited_storyboard(source: GenerationJob, changes: list[dict]) -> tuple[list[dict], list[int]]:
    """The source's shots with `changes` applied, and the 1-based indexes that changed.

    400s name the change (`shots[0].index`): an index the storyboard lacks, one named twice,
    a change that changes nothing."""
    shots = [dict(shot) for shot in source.storyboard or []]
    seen: set[int] = set()
    for position, change in enumerate(changes):
        where = f"shots[{position}]"
        index = change["index"]
        if not 1 <= index <= len(shots):
            raise ValidationError(
                {f"{where}.index": [f"No shot {index}: the storyboard has 1 to {len(shots)}."]}
            )
        if index in seen:
            raise ValidationError({f"{where}.index": [f"Shot {index} is named twice."]})
        seen.add(index)
        shot = shots[index - 1]
        fields = {k: v for k, v in change.items() if k in EDITABLE_FIELDS}
        if all(shot.get(k) == v for k, v in fields.items()):
            raise ValidationError({where: ["Nothing to change: give a field a new value."]})
        shot.update(fields)
    return shots, sorted(seen)


def billed_seconds(shots: list[dict], indexes: list[int], *, clip_seconds: int) -> int:
    """Whole seconds re-rendered (rounded up; at least 1, at most the clip)."""
    rendered = math.fsum(float(shots[i - 1]["seconds"]) for i in indexes)
    return max(1, min(clip_seconds, math.ceil(rendered - 1e-9)))


def create_edit(
    user, source_id, *, shots: list[dict], idempotency_key: str, request_hash: str
) -> tuple[GenerationJob, bool]:
    """Create (or, for a replayed Idempotency-Key, return) the edit of the caller's job
    `source_id`; returns (job, created). Nothing is written or charged for a refusal.
    Another user's job is 404 before anything else is looked at (a missing key included)."""
    source = access_edit_source(user, source_id)
    key = clean_idempotency_key(idempotency_key)
    existing = GenerationJob.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        if existing.request_hash != request_hash:
            raise IdempotencyKeyReused()
        return existing, False
    storyboard, indexes = edited_storyboard(source, shots)
    handles = [use.cameo.mention for use in source.job_cameos.select_related("cameo__owner")]
    provenance = {"edited_from": str(source.pk), "edited_shots": indexes}
    with recording_refusals():  # a consent refusal stays on the owner's ledger
        prepared = check_create_job(
            user,
            prompt=source.prompt,
            seconds=source.seconds,
            size=source.size,
            cameo_handles=handles,
            remix_of=source.remix_of,
            storyboard=storyboard,
            seed=source.seed,
            extra_provenance=provenance,
        )
        prepared.job.billed_seconds = billed_seconds(
            storyboard, indexes, clip_seconds=source.seconds
        )
        prepared.job.kind = GenerationJob.Kind.EDIT
        # The source is a parent: it is listed in provenance and the C2PA manifest's ingredients.
        prepared = dataclasses.replace(
            prepared, parents=((source, JobParent.Relation.EDIT_SOURCE),)
        )
        return do_create_job(user, prepared, idempotency_key=key, request_hash=request_hash)


def create_v1_edit(
    user, *, prompt: str, source_id, idempotency_key: str, request_hash: str
) -> tuple[GenerationJob, bool]:
    """`/v1/videos/edits`: a new job from the caller's succeeded job `source_id` and a prompt
    saying how to change it, planned again with the source's seed, length and size (every
    shot is rendered, so it is charged for the whole clip). The source's likenesses are asked
    for consent again, the prompt passes the content gate (create_job)."""
    source = access_edit_source(user, source_id)
    handles = [use.cameo.mention for use in source.job_cameos.select_related("cameo__owner")]
    return create_job(
        user,
        prompt=prompt,
        seconds=source.seconds,
        size=source.size,
        cameo_handles=handles,
        remix_of=source.remix_of,
        seed=source.seed,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        extra_provenance={"edited_from": str(source.pk)},
    )


# An uploaded source is limited like a cameo clip (accounts.services.cameos).
UPLOAD_MIN_SECONDS, UPLOAD_MAX_SECONDS = 3, 30
UPLOAD_FACE_MESSAGE = "The video shows a human face; people appear in videos only through cameos."


def check_edit_upload(user, upload, *, field: str = "video") -> dict:
    """An uploaded MP4 to edit, checked before anything is written or charged: size and
    container (media.sniff), a bounded probe (media.probe, the cameo clip's limits), the
    output checks (GENERATION_OUTPUT_CHECKS) and no human face in frames across it. Returns
    {seconds, size, sha256} for the new job; a 400 naming `field` otherwise."""
    with tempfile.TemporaryDirectory(prefix="edit-upload-") as workdir:
        path = Path(workdir) / "source.mp4"
        try:
            check_video_upload(upload, max_bytes=settings.CAMEO_CLIP_MAX_BYTES)
            upload.seek(0)
            path.write_bytes(upload.read())
            probe = probe_video(
                path,
                require_audio=False,
                min_seconds=UPLOAD_MIN_SECONDS,
                max_seconds=UPLOAD_MAX_SECONDS,
                max_bytes=settings.CAMEO_CLIP_MAX_BYTES,
            )
        except InvalidMedia as exc:
            raise ValidationError({field: [exc.message], "code": exc.code}) from None
        seconds = max(MIN_SECONDS, min(MAX_SECONDS, round(probe.duration)))
        checked = GenerationJob(user=user, seconds=seconds)
        verdict = policy.run_output_checks(job=checked, video_path=path)
        if verdict.decision != policy.ALLOW:
            raise ValidationError({field: [verdict.reason], "code": verdict.code})
        try:
            has_face = clip_shows_a_face(path)
        except InvalidMedia as exc:
            raise ValidationError({field: [exc.message], "code": exc.code}) from None
        if has_face:
            raise ValidationError({field: [UPLOAD_FACE_MESSAGE], "code": "video_has_face"})
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    size = "1280x720" if probe.width > probe.height else "720x1280"
    return {"seconds": seconds, "size": size, "sha256": sha256}


def create_v1_upload_edit(
    user, *, prompt: str, upload, idempotency_key: str, request_hash: str
) -> tuple[GenerationJob, bool]:
    """`/v1/videos/edits` with an uploaded MP4: once it passes check_edit_upload, a new job
    of its length and orientation from the prompt (the upload itself is not stored; its hash
    is in the job's provenance)."""
    source = check_edit_upload(user, upload)
    return create_job(
        user,
        prompt=prompt,
        seconds=source["seconds"],
        size=source["size"],
        idempotency_key=idempotency_key,
        request_hash=hash_request([request_hash, source["sha256"]]),
        extra_provenance={"edited_upload_sha256": source["sha256"]},
    )
