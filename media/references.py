"""A picture that may stand for something in a render: a job's reference image or a
character's image. Checked before anything is stored or charged: bytes, format and pixel count
with Pillow's limits (media.images), then re-encoded as PNG without metadata; a picture that
shows a human face is refused (`reference_has_face`: people appear only through cameos, under
their owners' consent). Used by generation/references.py and accounts/services/characters.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from rest_framework.exceptions import ValidationError

from media.errors import InvalidMedia
from media.faces import shows_a_face
from media.images import sanitize_reference

FACE_MESSAGE = (
    "The reference image shows a human face; people appear in videos only through cameos."
)
REFERENCE_HAS_FACE = "reference_has_face"


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
        raise ValidationError({field: [FACE_MESSAGE], "code": REFERENCE_HAS_FACE})
    return Reference(png, original[0], original[1], hashlib.sha256(png).hexdigest())
