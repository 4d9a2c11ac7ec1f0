"""Reference images: the picture a user uploads for the model to start the first shot from.

Checked before anything is charged by media.references.check_reference_image (shared with
characters): bytes, format and pixels, re-encoded as PNG, refused when it shows a human face.
The stored copy lives at `references/<random>.png` and the job records its name in its
provenance; the worker copies it next to the render and hands the path to the provider.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from config.storage import delete_file, read_file, save_file
from media.references import FACE_MESSAGE, Reference, check_reference_image

__all__ = [
    "FACE_MESSAGE",
    "Reference",
    "check_character_media",
    "check_reference_image",
    "fetch_character_pictures",
    "fetch_reference",
    "remove_reference",
    "store_reference",
]


def store_reference(reference: Reference) -> dict:
    """Store the checked picture; returns what the job's provenance records about it."""

    name = save_file(f"references/{uuid.uuid4().hex}.png", reference.png)
    return {"reference_image": name, "reference_image_sha256": reference.sha256}


def remove_reference(record: dict | None) -> None:
    """Undo store_reference when the job was not created (a refused or replayed request)."""

    if record:
        delete_file(record["reference_image"])


def fetch_reference(provenance: dict, workdir: Path) -> str:
    """The job's reference picture as a local file for the provider, or "" if it has none."""

    name = (provenance or {}).get("reference_image")
    if not name:
        return ""
    path = Path(workdir) / "reference.png"
    path.write_bytes(read_file(name))
    return str(path)


def fetch_character_pictures(job, workdir: Path) -> tuple[tuple[str, str], ...]:
    """(handle, local PNG path) of each character the job shows, in the order it asked for
    them: the local renderer draws each as itself, image-to-video models start from the
    first. A picture deleted meanwhile (its owner revoked consent) is left out: the job is
    being cancelled by that revocation anyway."""
    uses = (
        job.job_cameos.select_related("cameo")
        .exclude(cameo__kind="person")
        .exclude(cameo__reference_image="")
        .order_by("pk")
    )
    pictures = []
    for number, use in enumerate(uses):
        try:
            data = read_file(use.cameo.reference_image)
        except (FileNotFoundError, OSError):
            continue
        path = Path(workdir) / f"character-{number}.png"
        path.write_bytes(data)
        pictures.append((use.cameo.handle, str(path)))
    return tuple(pictures)


def check_character_media(*, video_path: Path | None = None, image_path: Path | None = None):
    """A character's clip or picture through the output checks every rendered clip passes
    (settings.CHARACTER_MEDIA_CHECKS names this for accounts, which cannot import the gate).
    A picture is checked as the one-second still clip a render of it would be. Output checks
    are called with job=None here: there is no job yet."""
    from generation.policy import run_output_checks

    if video_path is None:
        if image_path is None:
            raise ValueError("check_character_media needs video_path or image_path.")
        video_path = _still_clip(Path(image_path))
    return run_output_checks(job=None, video_path=video_path)


def _still_clip(image_path: Path, *, fps: int = 8) -> Path:
    """An H.264 MP4 showing the picture for one second, next to it."""
    import av
    from PIL import Image

    image = Image.open(image_path).convert("RGB")
    image = image.resize((max(2, image.width // 2 * 2), max(2, image.height // 2 * 2)))
    path = image_path.with_suffix(".still.mp4")
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = image.width, image.height, "yuv420p"
        frame = av.VideoFrame.from_image(image)
        for index in range(fps):
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path
