"""Untrusted images in, clean small images out (avatars).

An upload is attacker-controlled input to a C decoder, so (shared/NOTES.md, Pillow): cap the
bytes before opening, let Pillow consider only JPEG/PNG/WebP (its plugins for other formats
have had decompression-bomb bypasses), check the pixel count from the header before any
decoding, then re-encode from pixels: that strips EXIF/GPS/ICC metadata and any polyglot
payload riding along in the original bytes.
"""

import io
import warnings
from typing import IO

from media.errors import NOT_AN_IMAGE, TOO_LARGE, InvalidMedia

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 88


def sanitize_image(
    upload: bytes | IO[bytes], *, max_bytes: int, max_pixels: int, size: int
) -> bytes:
    """Return a `size`×`size` centre-cropped re-encoding: PNG if it has transparency, else JPEG.

    Raises InvalidMedia with code `too_large` (bytes or pixels over the limits) or
    `not_an_image` (anything that does not decode as JPEG/PNG/WebP).
    """
    from PIL import Image, ImageOps

    image = open_checked_image(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    fitted = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
    fitted.info = {}  # nothing from the original (ICC, EXIF, text chunks) is written back
    out = io.BytesIO()
    if has_alpha:
        fitted.save(out, format="PNG", optimize=True)
    else:
        fitted.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def open_checked_image(upload: bytes | IO[bytes], *, max_bytes: int, max_pixels: int):
    """The first frame of an upload as a loaded, upright Pillow image, after the module's checks
    (byte cap, JPEG/PNG/WebP only, pixel count from the header before decoding).

    Raises InvalidMedia with code `too_large` or `not_an_image`.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    data = _read_capped(upload, max_bytes)
    if not data:
        raise InvalidMedia(NOT_AN_IMAGE, "The file is empty.")
    with warnings.catch_warnings():
        # Pillow's own bomb guard warns above MAX_IMAGE_PIXELS; treat that as an error too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidMedia(TOO_LARGE, "The image has too many pixels.") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise InvalidMedia(NOT_AN_IMAGE, "Upload a JPEG, PNG or WebP image.") from None
        width, height = image.size
        if width < 1 or height < 1:
            raise InvalidMedia(NOT_AN_IMAGE, "The image has no pixels.")
        if width * height > max_pixels:
            raise InvalidMedia(
                TOO_LARGE, f"The image is {width}x{height}; at most {max_pixels} pixels allowed."
            )
        try:
            image.seek(0)  # first frame of an animation
            image.load()
            image = ImageOps.exif_transpose(image)  # honour orientation before EXIF is dropped
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
            raise InvalidMedia(NOT_AN_IMAGE, "The image is truncated or corrupt.") from None
    return image


def sanitize_reference(
    upload: bytes | IO[bytes], *, max_bytes: int, max_pixels: int, max_side: int
):
    """A reference picture for image-to-video, re-encoded as PNG (no metadata), its aspect
    kept and its longer side at most `max_side`. Returns (png bytes, RGB image, the upload's
    (width, height))."""
    from PIL import Image

    image = open_checked_image(upload, max_bytes=max_bytes, max_pixels=max_pixels).convert("RGB")
    original = image.size
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue(), image, original


def image_extension(data: bytes) -> str:
    """File extension for bytes returned by sanitize_image."""
    return "png" if data.startswith(b"\x89PNG") else "jpg"


def _read_capped(upload: bytes | IO[bytes], max_bytes: int) -> bytes:
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        declared = getattr(upload, "size", None)
        if declared is not None and declared > max_bytes:
            raise InvalidMedia(TOO_LARGE, f"The file is larger than {max_bytes} bytes.")
        if hasattr(upload, "seek"):
            upload.seek(0)
        data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidMedia(TOO_LARGE, f"The file is larger than {max_bytes} bytes.")
    return data
