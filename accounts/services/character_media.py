"""Verifying a character's picture or clip (the cameo verifier's half for non-people).

No liveness (a cat does not read a phrase): a probe of the clip, size and format limits, the
face check on its frames (a human face is a person, who appears only through their own
cameo: `reference_has_face`), then the output checks every rendered clip passes, through the
`CHARACTER_MEDIA_CHECKS` hook (generation owns the content gate; accounts may not import it).
The outcome carries the stored private PNG the renderer draws the character from.
"""

from __future__ import annotations

import io
import logging
import shutil
import tempfile
import uuid
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from accounts.models import Cameo
from config.storage import open_file, save_file
from media.errors import InvalidMedia
from media.faces import shows_a_face
from media.frames import sample_rgb_frames
from media.probe import probe_video
from media.references import FACE_MESSAGE, REFERENCE_HAS_FACE

logger = logging.getLogger(__name__)

CLIP_MIN_SECONDS = 1
CLIP_MAX_SECONDS = 30
FACE_FRAMES = 5


@cache
def _checks() -> tuple:
    return tuple(import_string(path) for path in settings.CHARACTER_MEDIA_CHECKS)


@receiver(setting_changed, dispatch_uid="accounts.character_media.clear_checks")
def _clear_checks(*, setting, **kwargs) -> None:
    if setting == "CHARACTER_MEDIA_CHECKS":
        _checks.cache_clear()


def is_clip(name: str) -> bool:
    return name.endswith(".mp4")


def inspect_character(cameo: Cameo) -> dict:
    """{ok, data, reference_image} or {ok: False, code, reason} for the character's source."""
    with tempfile.TemporaryDirectory(prefix="character-verify-") as workdir:
        suffix = ".mp4" if is_clip(cameo.source_clip) else ".png"
        path = Path(workdir) / f"source{suffix}"
        try:
            with open_file(cameo.source_clip) as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        except (FileNotFoundError, OSError):
            return _refused("missing", "The character's source file is missing.")
        try:
            return _judge(cameo, path)
        except InvalidMedia as exc:
            return _refused(exc.code, exc.message)
        except Exception:
            # Attacker-controlled input to C libraries: whatever else goes wrong, the
            # character is not verified and the task does not crash-loop.
            logger.exception("character source %s could not be verified", cameo.source_clip)
            return _refused("verification_error", "The file could not be verified; try another.")


def _refused(code: str, reason: str) -> dict:
    return {"ok": False, "code": code, "reason": reason}


def _judge(cameo: Cameo, path: Path) -> dict:
    from PIL import Image

    data: dict = {"kind": cameo.kind}
    if is_clip(cameo.source_clip):
        probe = probe_video(
            path,
            require_audio=False,
            min_seconds=CLIP_MIN_SECONDS,
            max_seconds=CLIP_MAX_SECONDS,
            max_bytes=settings.CAMEO_CLIP_MAX_BYTES,
        )
        frames = sample_rgb_frames(path, count=FACE_FRAMES)
        data.update(source="video", duration=round(probe.duration, 3), video=probe.video_codec)
        checked = {"video_path": path}
    else:
        frames = [Image.open(path).convert("RGB")]
        data["source"] = "image"
        checked = {"image_path": path}
    if any(shows_a_face(frame) for frame in frames):
        return _refused(REFERENCE_HAS_FACE, FACE_MESSAGE)
    for check in _checks():
        verdict = check(**checked)
        if verdict is not None and verdict.decision != "allow":
            return _refused(verdict.code, verdict.reason)
    picture = frames[len(frames) // 2]
    data.update(width=picture.width, height=picture.height)
    return {"ok": True, "data": data, "reference_image": _store_picture(cameo, picture)}


def _store_picture(cameo: Cameo, picture) -> str:
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return save_file(f"characters/{cameo.owner_id}/{uuid.uuid4().hex}.png", out.getvalue())
