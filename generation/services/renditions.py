"""A job's renditions and HLS files in storage: their names, their rows, their removal, and
the backfill for jobs rendered before renditions existed (issue 15).

Layout under the attempt's clip folder (`clips/<job>/<attempt>/`, see pipeline.clip_names):
`video.mp4` (the original, also the original's rendition), `video_480p.mp4` (each smaller
rendition), `hls/master.m3u8` and `hls/<480p>/{index.m3u8, init.mp4, seg_NNN.m4s}`. Playlists
use relative URIs only, so the folder can be served as a whole under one signed token (config.
storage.object_folder_url) and every playlist and segment request is checked against the
job's state there.
"""

from __future__ import annotations

import logging
import posixpath
import tempfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import IntegrityError, transaction

from config.storage import (
    delete_file,
    file_exists,
    list_files,
    open_file,
    save_file,
    servable_refs,
)
from generation.models import GenerationJob, Rendition
from generation.services.publishing import job_file_ref

logger = logging.getLogger(__name__)


@dataclass
class StoredRenditions:
    """What store_renditions put in storage: the master playlist, the rows to create, and
    every name it stored (to remove them again if the attempt is superseded)."""

    hls_file: str = ""
    rows: list[dict] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def store_renditions(
    folder: str,
    processed,
    *,
    original_name: str,
    store: Callable[[str, Path], str],
) -> StoredRenditions:
    """Store the smaller renditions' MP4s and every HLS file of `processed` (a
    postprocess.ProcessedClip) under `folder`; the original's MP4 is already stored as
    `original_name`. `store(name, path)` stores one file under exactly that name. On an
    exception, what was stored so far is removed before it propagates."""
    result = StoredRenditions()
    try:
        for number, rendition in enumerate(processed.renditions):
            if number == 0:
                video_name = original_name
            else:
                video_name = store(f"{folder}/video_{rendition.label}.mp4", rendition.video_path)
                result.names.append(video_name)
            hls_names = []
            for name in rendition.hls_files:
                relative = f"{rendition.hls_folder}/{name}"
                stored = store(f"{folder}/hls/{relative}", processed.hls_dir / relative)
                hls_names.append(stored)
                result.names.append(stored)
            result.rows.append(
                {
                    "width": rendition.width,
                    "height": rendition.height,
                    "bitrate": rendition.bitrate,
                    "peak_bitrate": rendition.peak_bitrate,
                    "codecs": rendition.codecs,
                    "video_file": video_name,
                    "hls_playlist": hls_names[0] if hls_names else "",
                    "hls_files": hls_names,
                }
            )
        if processed.hls_dir is not None:
            result.hls_file = store(f"{folder}/hls/master.m3u8", processed.hls_dir / "master.m3u8")
            result.names.append(result.hls_file)
    except BaseException:
        remove_quietly(result.names)
        raise
    return result


def create_renditions(job_id, rows: Iterable[dict]) -> list[Rendition]:
    """The rows for one job (in the caller's transaction); unique per job and height."""
    return Rendition.objects.bulk_create(Rendition(job_id=job_id, **row) for row in rows)


def remove_quietly(names) -> None:
    """Delete each name, logging (not raising) when storage refuses."""
    for name in names:
        try:
            if file_exists(name):
                delete_file(name)
        except Exception:  # storage is down: nothing more we can do now
            logger.warning("could not remove %s", name, exc_info=True)


def remove_folder_quietly(folder: str) -> None:
    """Delete every file under `folder` (an earlier attempt's clip folder)."""
    try:
        names = list_files(folder)
    except Exception:
        logger.warning("could not list %s", folder, exc_info=True)
        return
    remove_quietly(names)


# --- backfill -----------------------------------------------------------------------------


def jobs_missing_renditions(limit: int | None = None) -> list[uuid.UUID]:
    """Succeeded jobs without renditions whose files may still be shown (a taken-down video
    gets no new files), oldest first."""
    ids = list(
        GenerationJob.objects.filter(status=GenerationJob.Status.SUCCEEDED, renditions=None)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    shown = servable_refs(job_file_ref(pk) for pk in ids)
    return [pk for pk in ids if job_file_ref(pk) in shown]


def backfill_job_renditions(job_id) -> bool:
    """Encode the smaller renditions and HLS of one succeeded job from its stored (already
    watermarked) clip, store them next to it and record them. Idempotent: False when the job
    has renditions already, is no longer shown, or another worker got there first.

    One decode of the stored clip feeds every smaller rendition (no second watermark: the
    pixels already carry it); the original's rendition row points at the job's own video file.
    """
    from generation.postprocess import reencode_renditions

    job = GenerationJob.objects.filter(pk=job_id, status=GenerationJob.Status.SUCCEEDED).first()
    if job is None or Rendition.objects.filter(job_id=job.pk).exists():
        return False
    if job_file_ref(job.pk) not in servable_refs([job_file_ref(job.pk)]):
        return False
    folder = posixpath.dirname(job.video_file)
    with tempfile.TemporaryDirectory(prefix="cutaway-backfill-") as tmp:
        source = Path(tmp) / "source.mp4"
        with open_file(job.video_file) as reader, open(source, "wb") as writer:
            for chunk in iter(lambda: reader.read(1 << 20), b""):
                writer.write(chunk)
        processed = reencode_renditions(source, workdir=Path(tmp) / "out")
        # A fresh folder: every name is free, so playlists' relative URIs stay exact.
        stored = store_renditions(
            f"{folder}/backfill-{uuid.uuid4().hex[:12]}",
            processed,
            original_name=job.video_file,
            store=store_exactly,
        )
    try:
        with transaction.atomic():
            locked = (
                GenerationJob.objects.select_for_update()
                .filter(pk=job.pk, status=GenerationJob.Status.SUCCEEDED, video_file=job.video_file)
                .first()
            )
            if locked is None or Rendition.objects.filter(job_id=job.pk).exists():
                raise _Superseded()
            # Taken down while encoding: its files are being discarded, add none.
            if job_file_ref(job.pk) not in servable_refs([job_file_ref(job.pk)]):
                raise _Superseded()
            create_renditions(job.pk, stored.rows)
            GenerationJob.objects.filter(pk=job.pk).update(hls_file=stored.hls_file)
    except (_Superseded, IntegrityError):
        remove_quietly(stored.names)
        return False
    return True


class _Superseded(Exception):
    pass


def store_exactly(name: str, path: Path) -> str:
    """Store `path` as `name`, replacing a leftover of a failed try; playlists name their
    segments, so a renamed file (save_file picks a free name) would break them."""
    if file_exists(name):
        delete_file(name)
    with open(path, "rb") as handle:
        stored = save_file(name, handle)
    if stored != name:
        delete_file(stored)
        raise OSError(f"storage renamed {name} to {stored}")
    return stored
