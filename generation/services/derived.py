"""Creating jobs made from other jobs: an extension of a clip (`extend` on POST generations,
POST /v1/videos/extensions) and a stitch of clips (POST generations/stitch).

Both go through job creation's one path (jobs.check_create_job → do_create_job): suspension,
the content gate and the consent check for every likeness shown, the new ones and those in
every source clip (each source's cameos are re-checked now, as if named), then one locked
transaction that re-checks consent, charges and records the parents (JobParent).

Charging. An extension is charged by its new seconds (the quota slot, or beyond the allowance
credits priced by those seconds, not by the whole clip's). A stitch renders nothing with a
model: it re-encodes clips already paid for, and a crossfade only blends their frames, so a
stitch is never charged (its CPU cost is limited by the `generation` throttle instead).
Nothing is charged or written for a refused request.
"""

from __future__ import annotations

import dataclasses
import uuid

from rest_framework.exceptions import ValidationError

from accounts.models import Cameo
from accounts.services.cameo_use import recording_refusals
from config.storage import delete_file, save_file, servable_refs
from generation.catalog import resolve_model
from generation.exceptions import JobNotSucceeded
from generation.formats import ASPECT_SIZES, MAX_SECONDS, MIN_SECONDS, aspect_of
from generation.models import GenerationJob, JobParent
from generation.services.jobs import (
    MAX_PROMPT_CHARS,
    _existing_job,
    access_job,
    check_create_job,
    clean_idempotency_key,
    do_create_job,
)
from generation.services.publishing import job_file_ref
from media.frames import clip_shows_a_face

MIN_PARTS, MAX_PARTS = 2, 8
MAX_CROSSFADE_SECONDS = 1.0
Relation = JobParent.Relation


def usable_source(user, job_id, *, field: str) -> GenerationJob:
    """The caller's succeeded job whose files may still be shown: 404 for another user's
    (or a missing) job, 409 job_not_succeeded for one that did not succeed or was taken
    down."""
    job = access_job(user, job_id)
    if job.status != GenerationJob.Status.SUCCEEDED:
        raise JobNotSucceeded(f"{field}: job {job.pk} is {job.status}, not succeeded.")
    if job_file_ref(job.pk) not in servable_refs([job_file_ref(job.pk)]):
        raise JobNotSucceeded(f"{field}: job {job.pk} was taken down.")
    return job


def cameos_shown_in(jobs) -> list[Cameo]:
    """Every cameo the clips of `jobs` show (what consent is re-checked for)."""
    ids = [job.pk for job in jobs]
    return list(Cameo.objects.filter(job_uses__job_id__in=ids).select_related("owner").distinct())


# --- extend --------------------------------------------------------------------------------


def create_extension(
    user,
    *,
    source: GenerationJob | None,
    prompt: str,
    seconds: int,
    idempotency_key: str,
    request_hash: str,
    cameo_handles=(),
    storyboard: list[dict] | None = None,
    seed: int | None = None,
    model: str | None = None,
    upload=None,
) -> tuple[GenerationJob, bool]:
    """An extension job: `source` (a usable_source) or `upload` (an UploadedSource from
    check_source_upload) continued by `seconds` new seconds of `prompt`; returns
    (job, created). The result is one clip lasting the source plus the new seconds."""
    key = clean_idempotency_key(idempotency_key)
    existing = _existing_job(user, key, request_hash)
    if existing is not None:
        return existing, False
    size = source.size if source is not None else upload.size
    source_seconds = source.seconds if source is not None else upload.seconds
    total = _extended_seconds(source_seconds, seconds)
    resolve_model(model, size=size, seconds=seconds, shots=len(storyboard or []), extend=True)
    record: dict = {"seconds": seconds, "source_seconds": source_seconds}
    stored = _store_upload(upload) if upload is not None else None
    if stored:
        record.update(stored)
    try:
        with recording_refusals():
            prepared = check_create_job(
                user,
                prompt=prompt,
                seconds=total,
                size=size,
                cameo_handles=cameo_handles,
                remix_of=None,
                storyboard=storyboard,
                seed=seed,
                extra_provenance={"extension": record},
                extra_cameos=cameos_shown_in([source]) if source is not None else (),
            )
            prepared.job.kind = GenerationJob.Kind.EXTEND
            prepared.job.billed_seconds = seconds  # only the new seconds are rendered
            parents = ((source, Relation.EXTENSION),) if source is not None else ()
            prepared = dataclasses.replace(prepared, parents=parents)
            job, created = do_create_job(
                user, prepared, idempotency_key=key, request_hash=request_hash
            )
    except BaseException:
        _remove_upload(stored)
        raise
    if not created:
        _remove_upload(stored)
    return job, created


def _extended_seconds(source_seconds: int, seconds: int) -> int:
    total = source_seconds + seconds
    if total > MAX_SECONDS:
        raise ValidationError(
            {
                "seconds": [
                    f"The clip lasts {source_seconds} s: extended by {seconds} s it would last "
                    f"{total} s, over the {MAX_SECONDS} s limit."
                ]
            }
        )
    return total


@dataclasses.dataclass(frozen=True)
class UploadedSource:
    """A checked MP4 to extend (/v1's `video` upload): its bytes and what the probe said."""

    data: bytes
    size: str  # the job size it is rendered at (OpenAI's size nearest its aspect)
    seconds: int
    sha256: str


def _store_upload(upload: UploadedSource) -> dict:
    name = save_file(f"extension-sources/{uuid.uuid4().hex}.mp4", upload.data)
    return {"upload": name, "upload_sha256": upload.sha256}


def _remove_upload(stored: dict | None) -> None:
    if stored:
        delete_file(stored["upload"])


# --- stitch --------------------------------------------------------------------------------


def check_stitch_parts(user, part_ids, *, crossfade: float) -> list[GenerationJob]:
    """The parts as the caller's usable jobs, in order, or the error the request gets: 404
    (not the caller's), 409 (not succeeded), 400 on `parts` (count, aspect ratios, length)."""
    if not MIN_PARTS <= len(part_ids) <= MAX_PARTS:
        raise ValidationError({"parts": [f"Stitch {MIN_PARTS} to {MAX_PARTS} clips."]})
    parts = [usable_source(user, part_id, field="parts") for part_id in part_ids]
    aspects = {aspect_of(part.size) for part in parts}
    if len(aspects) > 1:
        raise ValidationError(
            {"parts": [f"The clips mix aspect ratios ({', '.join(sorted(aspects))})."]}
        )
    if crossfade * 2 > min(part.seconds for part in parts):
        raise ValidationError({"crossfade": ["Longer than half of the shortest clip."]})
    total = stitched_seconds([part.seconds for part in parts], crossfade)
    if total > MAX_SECONDS:
        raise ValidationError(
            {"parts": [f"Together the clips last {total:g} s, over the {MAX_SECONDS} s limit."]}
        )
    return parts


def stitched_seconds(seconds: list[int], crossfade: float) -> float:
    """How long the stitched clip lasts: each crossfade overlaps two clips."""
    return sum(seconds) - crossfade * (len(seconds) - 1)


def create_stitch(
    user, *, parts: list[GenerationJob], crossfade: float, idempotency_key: str, request_hash
) -> tuple[GenerationJob, bool]:
    """A stitch job of checked `parts` (check_stitch_parts); returns (job, created). Its
    prompt is the parts' prompts (they pass the content gate again, with every cameo the
    parts show), its size the first part's; it is not charged (see the module)."""
    key = clean_idempotency_key(idempotency_key)
    existing = _existing_job(user, key, request_hash)
    if existing is not None:
        return existing, False
    prompt = "\n".join(part.prompt for part in parts)[:MAX_PROMPT_CHARS]
    seconds = max(MIN_SECONDS, round(stitched_seconds([p.seconds for p in parts], crossfade)))
    record = {"parts": len(parts), "crossfade": crossfade}
    with recording_refusals():
        prepared = check_create_job(
            user,
            prompt=prompt,
            seconds=seconds,
            size=parts[0].size,
            cameo_handles=(),
            remix_of=None,
            storyboard=None,
            seed=parts[0].seed,
            extra_provenance={"stitch": record},
            extra_cameos=cameos_shown_in(parts),
        )
        prepared.job.kind = GenerationJob.Kind.STITCH
        links = tuple((part, Relation.STITCH_PART) for part in parts)
        prepared = dataclasses.replace(prepared, parents=links, charged=False)
        return do_create_job(user, prepared, idempotency_key=key, request_hash=request_hash)


# --- an uploaded clip to extend (/v1) ------------------------------------------------------


def check_source_upload(upload) -> UploadedSource:
    """An uploaded MP4 to extend, checked like a cameo clip before anything is stored: its
    bytes sniffed and capped, probed (a bounded, playable video with sound, short enough to
    be extended by the shortest extension), and refused when a sampled frame shows a human
    face (people appear only through cameos). 400s name `video`. Its frames pass the output
    checks with the result (they are part of it)."""
    import hashlib
    import tempfile
    from pathlib import Path

    from django.conf import settings

    from media.errors import InvalidMedia
    from media.probe import probe_video
    from media.sniff import check_video_upload

    try:
        check_video_upload(upload, max_bytes=settings.CAMEO_CLIP_MAX_BYTES)
        upload.seek(0)
        data = upload.read()
        with tempfile.TemporaryDirectory(prefix="extend-upload-") as workdir:
            path = Path(workdir) / "source.mp4"
            path.write_bytes(data)
            probe = probe_video(
                path,
                require_audio=True,
                min_seconds=1,
                max_seconds=MAX_SECONDS - MIN_SECONDS,
                max_bytes=settings.CAMEO_CLIP_MAX_BYTES,
            )
            faces = clip_shows_a_face(path)
    except InvalidMedia as exc:
        raise ValidationError({"video": [exc.message], "code": exc.code}) from None
    if faces:
        raise ValidationError(
            {
                "video": ["The clip shows a human face; people appear only through cameos."],
                "code": "video_has_face",
            }
        )
    size = ASPECT_SIZES[aspect_of(f"{probe.width}x{probe.height}")]
    seconds = max(1, round(probe.duration))
    return UploadedSource(data, size, seconds, hashlib.sha256(data).hexdigest())
