"""The default provider: Cutaway's own CPU renderer (generation.render), behind the interface.

Rendering is synchronous. With `spec.frame_sink` (the pipeline's way) `submit` hands the
frames to it as they are drawn and writes no file. Otherwise `submit` renders the whole clip
into a per-job file under VAR_DIR/local-renders and returns its id; `poll` then reports it
completed. A render lost with its worker (the file is gone) is reported as ProviderJobLost,
and the pipeline submits again. The half-written file a killed render leaves behind is
removed by the stale sweep (remove_abandoned_partials).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from django.conf import settings

from generation.providers.base import (
    COMPLETED,
    JobSpec,
    ProviderJobLost,
    ProviderStatus,
    VideoProvider,
)


def _render_dir() -> Path:
    path = Path(settings.VAR_DIR) / "local-renders"
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_abandoned_partials(idle_seconds: float) -> int:
    """Delete this machine's half-written renders that nobody has written to for
    `idle_seconds` (a live render appends frames continuously; a killed one stops). Returns
    how many were removed."""
    cutoff = time.time() - idle_seconds
    removed = 0
    for path in _render_dir().iterdir():
        if "partial" not in path.name or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # finished (renamed) or removed meanwhile
            continue
    return removed


class LocalProvider(VideoProvider):
    name = "local"
    yields_frames = True

    def _path(self, provider_job_id: str) -> Path:
        safe = "".join(ch for ch in provider_job_id if ch.isalnum() or ch in "-_")
        return _render_dir() / f"{safe}.mp4"

    def submit(self, spec: JobSpec) -> str:
        from generation.render import render_clip, render_frames

        if spec.frame_sink is not None:
            spec.frame_sink(
                render_frames(
                    spec.shots,
                    size=spec.size,
                    seed=spec.seed,
                    progress=spec.progress,
                    characters=spec.characters,
                    opening=spec.continue_from or None,
                )
            )
            return f"{self.name}-{spec.job_id}"

        def write(partial: Path) -> None:
            render_clip(
                spec.shots,
                size=spec.size,
                seed=spec.seed,
                out_path=partial,
                progress=spec.progress,
                characters=spec.characters,
            )

        return self.write_render(f"{self.name}-{spec.job_id}", write)

    def write_render(self, provider_job_id: str, write) -> str:
        """Run `write(partial_path)`, then rename the file into place (last, so a half-written
        render is never mistaken for a finished one); a failed write leaves nothing behind."""
        final = self._path(provider_job_id)
        partial = final.with_suffix(f".{os.getpid()}.partial.mp4")
        try:
            write(partial)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        return provider_job_id

    def poll(self, provider_job_id: str) -> ProviderStatus:
        if not self._path(provider_job_id).exists():
            raise ProviderJobLost("render_lost", "The local render was lost; it will be redone.")
        return ProviderStatus(COMPLETED, progress=100)

    def download(self, provider_job_id: str, dest_path: Path) -> Path:
        source = self._path(provider_job_id)
        if not source.exists():
            raise ProviderJobLost("render_lost", "The local render was lost; it will be redone.")
        shutil.move(str(source), dest_path)
        return Path(dest_path)

    def cancel(self, provider_job_id: str) -> None:
        self._path(provider_job_id).unlink(missing_ok=True)
