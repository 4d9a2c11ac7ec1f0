"""Cheap checks of an uploaded video before it is stored: size bounds, container magic, digest.

Reads at most the first 12 bytes to decide the container, so a wrong file is refused before
anything decodes it (the real check, media.probe, runs later in the verifier).
"""

import hashlib
from typing import IO, Any

from media.errors import NOT_A_VIDEO, TOO_LARGE, InvalidMedia

# Bytes 4..8 of an ISO-BMFF (MP4/MOV) file, or the EBML magic of Matroska/WebM.
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


def check_video_upload(upload: Any, *, max_bytes: int) -> None:
    """InvalidMedia unless `upload` is non-empty, at most `max_bytes` and looks like MP4/WebM."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise InvalidMedia(NOT_A_VIDEO, "The submitted file is empty.")
    if size > max_bytes:
        raise InvalidMedia(TOO_LARGE, f"The clip is larger than {max_bytes} bytes.")
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if not (head[4:8] in _MP4_BOXES or head[:4] == _EBML_MAGIC):
        raise InvalidMedia(NOT_A_VIDEO, "The file is not an MP4 video.")


def sha256_of(upload: IO[bytes]) -> str:
    """Hex SHA-256 of the whole upload, read in 1 MiB chunks; the file is left at offset 0."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()
