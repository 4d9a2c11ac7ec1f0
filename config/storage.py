"""Where files live, and the one way the rest of the code stores and links to them.

Every file (avatars, clips, thumbnails, cameo source clips) is private by default:
the only way to reach it is a signed URL that expires. On S3 (any S3 API) that is a
SigV4 presigned URL; locally it is `/files/<signed token>` served by `serve_signed_file`,
so local and S3 deployments behave alike and no file is ever public by accident.
"""

import mimetypes
from typing import IO

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse

_SALT = "cutaway.storage.file-url"


def save_file(name: str, content: bytes | IO[bytes] | File) -> str:
    """Store `content` under `name` (or a free variant of it) and return the stored name."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    elif not isinstance(content, File):
        content = File(content)
    return default_storage.save(name, content)


def open_file(name: str, mode: str = "rb") -> File:
    return default_storage.open(name, mode)


def read_file(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def delete_file(name: str) -> None:
    if name:
        default_storage.delete(name)


def file_exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def file_url(name: str, *, expires: int | None = None) -> str | None:
    """A URL that grants read access to `name` for `expires` seconds (None for no file)."""
    if not name:
        return None
    expires = expires or settings.STORAGE_URL_EXPIRES
    if settings.STORAGE_BACKEND == "s3":
        return default_storage.url(name, expire=expires)
    token = signing.dumps({"n": name, "e": expires}, salt=_SALT, compress=True)
    return settings.PUBLIC_BASE_URL + reverse("signed-file", args=[token])


def serve_signed_file(request, token: str):
    """Serve a locally stored file to whoever holds an unexpired signed token."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=_max_age(token))
    except signing.BadSignature:
        raise Http404("Link expired or invalid.") from None
    name = payload["n"]
    if not default_storage.exists(name):
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = "private, max-age=300"
    return response


def _max_age(token: str) -> int:
    # The expiry travels inside the signed payload; read it unverified here, the
    # signature check in `loads` then covers it.
    try:
        return int(signing.loads(token, salt=_SALT)["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("Link expired or invalid.") from None
