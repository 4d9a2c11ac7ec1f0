"""Reference images: the picture a user uploads for the model to start the first shot from.

Checked before anything is charged: bytes, format and pixel count with Pillow's limits
(media.images), then re-encoded as PNG without metadata; a picture that shows a human face is
refused (`reference_has_face`: people appear only through cameos, under their owners'
consent). The stored copy lives at `references/<random>.png` and the job records its name in
its provenance; the worker copies it next to the render and hands the path to the provider.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from rest_framework.exceptions import ValidationError

from config.storage import delete_file, read_file, save_file
from media.errors import InvalidMedia
from media.faces import shows_a_face
from media.images import sanitize_reference

FACE_MESSAGE = (
    "The reference image shows a human face; people appear in videos only through cameos."
)


@dataclass(frozen=True)
class Reference:
    png: bytes
    width: int  # of the upload, before any downscaling
    height: int
    sha256: str


def check_reference_image(upload, *, field: str = "reference_image", size: str = "") -> Reference:
    """The upload as a clean PNG, or a 400 naming `field`. With `size` ("720x1280"), the
    picture must have exactly those dimensions (OpenAI's rule for input_reference)."""

    try:
        png, image, original = sanitize_reference(
            upload,
            max_bytes=settings.REFERENCE_IMAGE_MAX_BYTES,
            max_pixels=settings.REFERENCE_IMAGE_MAX_PIXELS,
            max_side=settings.REFERENCE_IMAGE_MAX_SIDE,
        )
    except InvalidMedia as exc:
        raise ValidationError({field: [exc.message], "code": exc.code}) from None
    if size and "x".join(str(v) for v in original) != size:
        raise ValidationError(
            {field: [f"The image is {original[0]}x{original[1]}; it must match size {size}."]}
        )
    if shows_a_face(image):
        raise ValidationError({field: [FACE_MESSAGE], "code": "reference_has_face"})
    return Reference(png, original[0], original[1], hashlib.sha256(png).hexdigest())


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
