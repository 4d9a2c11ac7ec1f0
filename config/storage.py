"""Where files live, and the one way the rest of the code stores and links to them.

Every file (avatars, clips, thumbnails, cameo source clips) is private by default:
the only way to reach it is a signed URL that expires. On S3 (any S3 API) that is a
SigV4 presigned URL; locally it is `/files/<signed token>` served by `serve_signed_file`,
so local and S3 deployments behave alike and no file is ever public by accident.

A file that shows a likeness follows its object (DESIGN.md v1.1, "Files follow their object"):
`object_file_url(name, ref=...)` signs a `/files/<token>` URL on both backends whose token also
names the object (`ref`, e.g. `"job:<uuid>"`). Serving such a token asks the resolver named by
`settings.STORAGE_FILE_RESOLVER` (`resolver(refs) -> the refs still shown`) whether the object may
still be shown, so a URL a client kept
stops working (404) the moment the video is taken down, removed or deleted; on S3 the view
then redirects to a presigned URL that lives only `STORAGE_REDIRECT_SECONDS`. config is the
lowest layer, so it only names the resolver (feed implements it), as the other hooks do.

Both mechanisms, on purpose: the state check stops every kept URL at once and covers a
moderator's removal, whose files must survive for a restore; deleting the files of permanent
takedowns (consent revoked, use removed, author deletion; feed.services) means a likeness is
gone from storage too, and a presigned S3 URL issued by the redirect dies within seconds.

A folder of files that link to each other by relative URIs (an HLS master playlist, its media
playlists and segments) gets one token for the folder: `object_folder_url(folder, entry,
ref=...)` is `/files/<token>/<entry>`, so a player resolves every relative URI inside a
playlist to another URL under the same token, and each of those requests is checked like a
single file (signature, expiry, the object's state). Playlists are always answered by this
server (on S3 too: a redirect would move the base URI to the bucket and lose the token);
other entries redirect to a short-lived presigned URL on S3.
"""

import hashlib
import mimetypes
import posixpath
import re
from functools import cache
from typing import IO

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseNotModified,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from django.utils.module_loading import import_string

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


def delete_files(names) -> None:
    """Delete each named file (empty names skipped); the on-commit cleanup of a row's files."""
    for name in names:
        delete_file(name)


def list_files(folder: str) -> list[str]:
    """Every stored name under `folder` (recursively); empty when there is none."""
    try:
        directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    names = [f"{folder}/{name}" for name in files]
    for directory in directories:
        names.extend(list_files(f"{folder}/{directory}"))
    return names


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


def object_file_url(
    name: str, *, ref: str, expires: int | None = None, staff: bool = False
) -> str | None:
    """A `/files/<token>` URL for `name` that works only while the object `ref` may be shown
    (see the module docstring); None for no file. With staff=True the URL is for the moderation
    console: it serves only to a signed-in staff member, whatever the object's state (a removed
    video must stay reviewable so that it can be restored)."""
    if not name:
        return None
    payload = {"n": name, "e": expires or settings.STORAGE_URL_EXPIRES, "o": ref}
    if staff:
        payload["s"] = 1
    token = signing.dumps(payload, salt=_SALT, compress=True)
    return settings.PUBLIC_BASE_URL + reverse("signed-file", args=[token])


def object_folder_url(
    folder: str, entry: str, *, ref: str, expires: int | None = None
) -> str | None:
    """`/files/<token>/<entry>`: a URL for `folder/entry` whose token covers every file under
    `folder` (relative URIs between them keep working), served only while the object `ref` may
    be shown; None for no folder."""
    if not folder:
        return None
    payload = {"d": folder, "e": expires or settings.STORAGE_URL_EXPIRES, "o": ref}
    token = signing.dumps(payload, salt=_FOLDER_SALT, compress=True)
    return settings.PUBLIC_BASE_URL + reverse("signed-folder", args=[token, entry])


_FOLDER_SALT = "cutaway.storage.folder-url"
# Entries a folder token serves: path segments of safe characters, no dot-files, no "..".
_ENTRY_RE = re.compile(r"^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*/)*[A-Za-z0-9_-][A-Za-z0-9_.-]*$")
_PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
CONTENT_TYPES = {
    ".m3u8": _PLAYLIST_TYPE,
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".ts": "video/mp2t",
}


@cache
def _resolver():
    return import_string(settings.STORAGE_FILE_RESOLVER)


@receiver(setting_changed)
def _reset_resolver(*, setting, **kwargs) -> None:
    if setting == "STORAGE_FILE_RESOLVER":
        _resolver.cache_clear()


def servable_refs(refs) -> set[str]:
    """Which of the objects `refs` may still have their files shown (one resolver call, so a
    page of objects costs one query)."""
    refs = list(dict.fromkeys(refs))
    return set(_resolver()(refs)) if refs else set()


def serve_signed_file(request, token: str):
    """Serve a file to whoever holds an unexpired signed token: locally streamed, on S3 a
    redirect to a short-lived presigned URL; an object-bound token only while its object may
    still be shown."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=_max_age(token))
    except signing.BadSignature:
        raise Http404("Link expired or invalid.") from None
    name = payload["n"]
    if "o" in payload and not _may_serve(request, payload):
        raise Http404("No such file.")
    if settings.STORAGE_BACKEND == "s3":
        return HttpResponseRedirect(
            default_storage.url(name, expire=settings.STORAGE_REDIRECT_SECONDS)
        )
    if not default_storage.exists(name):
        raise Http404("No such file.")
    response = file_response(request, name)
    response["Cache-Control"] = "private, max-age=300"
    return response


def serve_signed_folder(request, token: str, entry: str):
    """Serve `entry` of a folder token (object_folder_url): 404 for a bad or expired token,
    an entry outside the folder, a missing file, or an object that may no longer be shown."""
    try:
        payload = signing.loads(token, salt=_FOLDER_SALT, max_age=_max_age(token, _FOLDER_SALT))
    except signing.BadSignature:
        raise Http404("Link expired or invalid.") from None
    if not _ENTRY_RE.match(entry) or ".." in entry.split("/"):
        raise Http404("No such file.")
    if not _may_serve(request, payload):
        raise Http404("No such file.")
    name = posixpath.join(payload["d"], entry)
    extension = posixpath.splitext(entry)[1]
    if settings.STORAGE_BACKEND == "s3" and extension != ".m3u8":
        return HttpResponseRedirect(
            default_storage.url(name, expire=settings.STORAGE_REDIRECT_SECONDS)
        )
    if not default_storage.exists(name):
        raise Http404("No such file.")
    response = file_response(request, name, content_type=CONTENT_TYPES.get(extension))
    response["Cache-Control"] = "private, max-age=300"
    return response


class _Unsatisfiable(Exception):
    pass


_RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def file_response(request, name: str, *, content_type: str | None = None, filename=None):
    """Stream a stored file as API.md "Files and streaming" asks: an ETag and Last-Modified
    (304 on a matching If-None-Match, or, without one, on an If-Modified-Since not older than
    the file), `Accept-Ranges: bytes` on every answer, and 206 with Content-Range for one
    `Range: bytes=a-b` (416 when unsatisfiable; several ranges get the whole file).

    Stored names are never reused (save_file picks a free one), so name and size make a
    strong ETag without reading the file.
    """
    size = default_storage.size(name)
    etag = '"' + hashlib.sha256(f"{name}:{size}".encode()).hexdigest()[:32] + '"'
    modified = _modified_timestamp(name)
    if _not_modified(request, etag, modified):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        if modified is not None:
            response["Last-Modified"] = http_date(modified)
        return response
    content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        span = _byte_range(request.headers.get("Range", ""), size)
    except _Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    handle = default_storage.open(name, "rb")
    if span is None:
        response = FileResponse(handle, content_type=content_type, filename=filename or "")
    else:
        start, end = span
        handle.seek(start)
        response = StreamingHttpResponse(
            _chunks(handle, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Accept-Ranges"] = "bytes"
    return response


def _modified_timestamp(name: str) -> int | None:
    """The stored file's modification time (whole seconds, as HTTP dates carry), if known."""
    try:
        return int(default_storage.get_modified_time(name).timestamp())
    except (NotImplementedError, OSError, AttributeError, TypeError, ValueError):
        return None


def _not_modified(request, etag: str, modified: int | None) -> bool:
    # RFC 9110 13.1.3: If-None-Match, when present, decides alone.
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags or f"W/{etag}" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and modified is not None and modified <= since


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range, None to send the whole file."""
    match = _RANGE_RE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(size - int(last), 0), size - 1
        if int(last) == 0:
            raise _Unsatisfiable()
    if start >= size or start > end:
        raise _Unsatisfiable()
    return start, end


def _chunks(handle, remaining: int):
    with handle:
        while remaining > 0:
            chunk = handle.read(min(_CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def _may_serve(request, payload: dict) -> bool:
    if payload.get("s"):
        user = getattr(request, "user", None)
        return bool(user is not None and user.is_active and user.is_staff)
    return payload["o"] in servable_refs([payload["o"]])


def _max_age(token: str, salt: str = _SALT) -> int:
    # The expiry travels inside the signed payload; read it unverified here, the
    # signature check in `loads` then covers it.
    try:
        return int(signing.loads(token, salt=salt)["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise Http404("Link expired or invalid.") from None
