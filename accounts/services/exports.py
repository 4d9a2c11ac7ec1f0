"""Account export (POST me/export): one ZIP of everything the account holds, in storage.

`request_export` records an `Export` and enqueues its build after commit; the worker's
`build_export` claims it with a conditional UPDATE (a redelivered message finds it claimed and
does nothing), writes the ZIP to a temporary file, streaming each stored clip into it rather
than loading it, stores it as one private file and marks the export succeeded. The ZIP holds
JSON files (timestamps ISO 8601 UTC with `Z` and milliseconds, as the native API) and media:

    manifest.json       what this is, when it was made, the list of files below
    profile.json        the account's own fields (email and birth date included)
    videos.json         the account's videos; `file` names its MP4 under videos/
    generations.json    every job with its prompt and storyboard
    comments.json, likes.json, follows.json, blocks.json, notifications.json
    cameo.json          cameos, grants, and the consent ledger with its hashes
    videos/<id>.mp4, avatar.<ext>

The download is a signed URL of config.storage (Range works on both backends) that lives
EXPORT_URL_EXPIRES seconds; the file itself is deleted EXPORT_RETENTION_HOURS after it was made
(`delete_expired_exports`, periodic), when the account is erased, or at once when one of its
videos is taken down or removed (`withdraw_exports_of`): a copy must not outlive the consent.
"""

import json
import logging
import shutil
import tempfile
import zipfile
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework.exceptions import NotFound

from accounts.models import (
    Block,
    Cameo,
    CameoGrant,
    ConsentEvent,
    Export,
    Follow,
    Notification,
    User,
)
from accounts.task_names import BUILD_EXPORT
from config.renderers import format_timestamp
from config.storage import delete_file, delete_files, file_exists, file_url, open_file, save_file
from config.tasks import enqueue_now, enqueue_on_commit

logger = logging.getLogger(__name__)
FORMAT_VERSION = 1
# An export still queued this long lost its broker message: the sweep sends it again.
REQUEUE_AFTER = timedelta(minutes=10)


def iso(value: datetime | None) -> str | None:
    """The API's one timestamp format (config/renderers.py); None stays None."""
    return None if value is None else format_timestamp(value)


def request_export(user: User) -> Export:
    """Record an export of `user`'s data; it is built by a worker once this commits."""
    with transaction.atomic():
        export = Export.objects.create(user=user)
        enqueue_on_commit(BUILD_EXPORT, str(export.pk))
    return export


def access_export(user: User, export_id: Any) -> Export:
    """One of `user`'s exports; another user's (or an unknown id) is 404."""
    export = Export.objects.filter(pk=export_id, user=user).first()
    if export is None:
        raise NotFound("No such export.")
    return export


def export_download_url(export: Export) -> str | None:
    if export.status != Export.Status.SUCCEEDED:
        return None
    return file_url(export.file, expires=settings.EXPORT_URL_EXPIRES)


def build_export(export_id: Any) -> Export | None:
    """Build one export (the task's body); idempotent: only a queued export is claimed."""
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.QUEUED).update(
        status=Export.Status.RUNNING
    )
    if not claimed:
        return None
    export = Export.objects.select_related("user").get(pk=export_id)
    stored = ""
    try:
        with tempfile.TemporaryFile() as handle:
            _write_zip(export.user, handle)
            size = handle.tell()
            handle.seek(0)
            stored = save_file(f"exports/{export.user.pk}/{export.pk.hex}.zip", handle)
        now = timezone.now()
        updated = Export.objects.filter(pk=export.pk, status=Export.Status.RUNNING).update(
            status=Export.Status.SUCCEEDED,
            file=stored,
            size=size,
            finished_at=now,
            expires_at=now + timedelta(hours=settings.EXPORT_RETENTION_HOURS),
        )
        if not updated:  # erased or deleted meanwhile: keep nothing
            delete_file(stored)
    except Exception as error:
        logger.exception("export %s failed", export_id)
        if stored:
            delete_file(stored)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED,
            file="",
            error=type(error).__name__[:255],
            finished_at=timezone.now(),
        )
    export.refresh_from_db()
    return export


def delete_expired_exports(now: datetime | None = None) -> int:
    """Periodic: delete the files of exports past their retention (rows stay, `expired`), and
    re-send builds whose message was lost; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    for export in Export.objects.filter(status=Export.Status.SUCCEEDED, expires_at__lte=now):
        if Export.objects.filter(pk=export.pk, status=Export.Status.SUCCEEDED).update(
            status=Export.Status.EXPIRED, file=""
        ):
            delete_file(export.file)
            expired += 1
    for export_id in Export.objects.filter(
        status=Export.Status.QUEUED, created_at__lte=now - REQUEUE_AFTER
    ).values_list("pk", flat=True):
        enqueue_now(BUILD_EXPORT, str(export_id))
    return expired


def withdraw_exports_of(user_ids: Any) -> int:
    """A video of these users was taken down or removed: exports that may hold its MP4 go.

    A finished export's file is deleted (after commit) and the export marked `expired`, so a
    download URL a client kept stops working; one being built fails (`content_withdrawn`), so
    its builder's final conditional UPDATE finds it no longer running and deletes what it
    wrote. Queued ones need nothing: their build has not read the video yet and passes the
    file gate that now refuses it. Runs inside the takedown's transaction; returns how many
    exports were withdrawn. The user asks for a new export.
    """
    exports = Export.objects.filter(user_id__in=user_ids)
    finished = exports.filter(status=Export.Status.SUCCEEDED)
    names = list(finished.values_list("file", flat=True))
    now = timezone.now()
    withdrawn = finished.update(status=Export.Status.EXPIRED, file="", expires_at=now)
    withdrawn += exports.filter(status=Export.Status.RUNNING).update(
        status=Export.Status.FAILED, error="content_withdrawn", finished_at=now
    )
    transaction.on_commit(lambda: delete_files(names), robust=True)
    return withdrawn


def erase_exports(user: User) -> None:
    """Account erasure: every export of `user` and its file go (files after commit)."""
    names = list(Export.objects.filter(user=user).exclude(file="").values_list("file", flat=True))
    Export.objects.filter(user=user).delete()
    transaction.on_commit(lambda: delete_files(names), robust=True)


# --- the ZIP -------------------------------------------------------------------------------


class ExportArchive:
    """What a section writer gets: JSON files and stored files go into the one ZIP.

    Accounts writes its own sections; the apps above it (generation's jobs, feed's videos,
    comments and likes) write theirs through the hooks named by ACCOUNT_EXPORT_WRITERS
    (`writer(user, archive)`), so accounts never imports them (DESIGN.md, "Layout").
    """

    def __init__(self, archive: zipfile.ZipFile):
        self._archive = archive
        self.files: list[str] = []

    def put_json(self, name: str, value: Any) -> None:
        self._archive.writestr(name, json.dumps(value, ensure_ascii=False, indent=2))
        self.files.append(name)

    def put_file(self, name: str, stored: str) -> bool:
        """Stream the stored file `stored` into the ZIP as `name`; False if it is missing."""
        if not file_exists(stored):
            return False
        info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # MP4 and images are compressed already
        with open_file(stored) as source, self._archive.open(info, "w", force_zip64=True) as dest:
            shutil.copyfileobj(source, dest, 1024 * 1024)
        self.files.append(name)
        return True


@cache
def _writers() -> tuple:
    return tuple(import_string(path) for path in settings.ACCOUNT_EXPORT_WRITERS)


@receiver(setting_changed)
def _reset_writers(*, setting, **kwargs) -> None:
    if setting == "ACCOUNT_EXPORT_WRITERS":
        _writers.cache_clear()


def _write_zip(user: User, handle) -> None:
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        archive = ExportArchive(zipped)
        profile = _profile(user)
        if user.avatar:
            extension = user.avatar.rsplit(".", 1)[-1] if "." in user.avatar else "img"
            if archive.put_file(f"avatar.{extension}", user.avatar):
                profile["avatar"] = f"avatar.{extension}"
        archive.put_json("profile.json", profile)
        for writer in _writers():
            writer(user, archive)
        archive.put_json("follows.json", _follows(user))
        archive.put_json(
            "blocks.json",
            [
                {"handle": handle, "created_at": iso(created_at)}
                for handle, created_at in Block.objects.filter(blocker=user)
                .order_by("created_at")
                .values_list("blocked__handle", "created_at")
            ],
        )
        archive.put_json("cameo.json", _cameo(user))
        archive.put_json(
            "notifications.json",
            [
                {
                    "id": note.pk,
                    "kind": note.kind,
                    "actor": note.actor.handle if note.actor else None,
                    "data": note.data,
                    "read_at": iso(note.read_at),
                    "created_at": iso(note.created_at),
                }
                for note in Notification.objects.filter(recipient=user)
                .select_related("actor")
                .order_by("created_at")
            ],
        )
        zipped.writestr(
            "manifest.json",
            json.dumps(
                {
                    "format": "cutaway-account-export",
                    "version": FORMAT_VERSION,
                    "handle": user.handle,
                    "exported_at": iso(timezone.now()),
                    "files": archive.files,
                },
                indent=2,
            ),
        )


def _profile(user: User) -> dict:
    return {
        "id": user.pk,
        "handle": user.handle,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "birth_date": user.birth_date.isoformat() if user.birth_date else None,
        "date_joined": iso(user.date_joined),
        "follower_count": user.follower_count,
        "following_count": user.following_count,
        "avatar": None,
    }


def _follows(user: User) -> dict:
    def rows(queryset, side: str) -> list[dict]:
        return [
            {"handle": handle, "created_at": iso(created_at)}
            for handle, created_at in queryset.order_by("created_at").values_list(
                f"{side}__handle", "created_at"
            )
        ]

    return {
        "following": rows(Follow.objects.filter(follower=user), "followee"),
        "followers": rows(Follow.objects.filter(followee=user), "follower"),
    }


def _cameo(user: User) -> dict:
    from accounts.ledger import GENESIS_HASH, event_canonical, verify_ledger

    events = ConsentEvent.objects.filter(owner=user).order_by("seq")
    return {
        "cameos": [
            {
                "id": str(cameo.pk),
                "status": cameo.status,
                "permission": cameo.permission,
                "instructions": cameo.instructions,
                "source_sha256": cameo.source_sha256,
                "created_at": iso(cameo.created_at),
                "verified_at": iso(cameo.verified_at),
                "revoked_at": iso(cameo.revoked_at),
            }
            for cameo in Cameo.objects.filter(owner=user).order_by("created_at")
        ],
        "grants": [
            {"handle": handle, "created_at": iso(created_at)}
            for handle, created_at in CameoGrant.objects.filter(cameo__owner=user)
            .order_by("created_at")
            .values_list("grantee__handle", "created_at")
        ],
        "ledger": {
            "genesis_prev_hash": GENESIS_HASH,
            "valid": verify_ledger(user),
            # As GET cameos/me/ledger lists them: `canonical` is the text the hash covers.
            "events": [
                {
                    "seq": event.seq,
                    "action": event.action,
                    "actor": event.actor_handle,
                    "actor_ref": event.actor_ref,
                    "at": iso(event.at),
                    "data": event.data,
                    "details": event.details,
                    "canonical": event_canonical(event),
                    "cameo": str(event.cameo_id),
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                }
                for event in events
            ],
        },
    }
