"""Cameos: a person's likeness, the consent its owner controls: creation, verification,
settings, grants and revocation. The use check is accounts/services/cameo_use.py; every
consent-relevant fact is appended to the owner's hash-chained ledger (accounts/ledger.py).

Lock order, kept everywhere so concurrent revoke/publish cannot deadlock on our rows: the
cameo row first (select_for_update), then the owner's ledger lock (taken by
`append_consent_event` to serialise the ledger's seq).
"""

import logging
import re
import shutil
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.exceptions import CameoExists, NoCameo
from accounts.ledger import append_consent_event
from accounts.models import Cameo, CameoGrant, ConsentEvent, User
from accounts.services.character_media import inspect_character
from accounts.services.text_gate import check_likeness_texts
from accounts.services.users import is_blocked_between
from accounts.signals import cameo_consent_revoked
from config.storage import delete_file, open_file, save_file
from config.tasks import enqueue_now, enqueue_on_commit
from media.errors import InvalidMedia
from media.motion import measure_motion_area
from media.probe import probe_video
from media.sniff import check_video_upload, sha256_of

logger = logging.getLogger(__name__)

Action = ConsentEvent.Action
Status = Cameo.Status
Permission = Cameo.Permission

LIVE = ~Q(status=Status.REVOKED)
# A person's cameo (at most one live per owner); characters are the other kinds.
PERSON = Q(kind=Cameo.Kind.PERSON)
CLIP_MIN_SECONDS = 3
CLIP_MAX_SECONDS = 30
# A face in a selfie clip covers well over 5% of the frame; the motion check asks for at
# least that much of the frame to change between sampled frames.
MIN_MOTION_AREA = 0.05
# What a handle can look like (case-insensitive): anything else is unknown without a query.
HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,30}")
VERIFY_TASK = "accounts.tasks.verify_cameo_task"


# --- Reading ------------------------------------------------------------------------------


def live_cameo(owner: User, *, for_update: bool = False) -> Cameo:
    """The owner's person cameo that is not revoked (at most one, by constraint), or NoCameo
    (404). Characters are reached by handle (accounts/services/characters.py)."""
    qs = Cameo.objects.filter(LIVE, PERSON, owner=owner)
    if for_update:
        qs = qs.select_for_update()
    cameo = qs.first()
    if cameo is None:
        raise NoCameo()
    return cameo


# --- Creating and verifying ---------------------------------------------------------------


def _check_upload(upload: Any) -> None:
    """A 400 on `video` unless the upload looks like a clip we could verify (media.sniff)."""
    if upload is None:
        raise ValidationError({"video": ["A video file is required."]})
    try:
        check_video_upload(upload, max_bytes=settings.CAMEO_CLIP_MAX_BYTES)
    except InvalidMedia as exc:
        raise ValidationError({"video": [exc.message]}) from None


def create_cameo(owner: User, *, upload: Any, consent: Any) -> Cameo:
    """Store the owner's clip privately and start verification; 409 when a cameo is live.

    A previously *rejected* cameo does not block a new attempt: it is retired (status
    revoked, ledger `revoked` with reason `replaced`) in the same transaction. The clip is
    stored under `cameos/<owner id>/<uuid>.mp4` and only ever read by the verifier; no URL to
    it is handed out.
    """
    if consent is not True:
        raise ValidationError({"consent": ["Explicit consent (consent=true) is required."]})
    _check_upload(upload)
    # Cheap early answer before storing anything; re-checked under the lock below.
    if Cameo.objects.filter(LIVE, PERSON, owner=owner).exclude(status=Status.REJECTED).exists():
        raise CameoExists()
    sha256 = sha256_of(upload)
    stored = save_file(f"cameos/{owner.pk}/{uuid.uuid4().hex}.mp4", upload)
    try:
        with transaction.atomic():
            # Lock order as everywhere: the cameo row, then the ledger. Two concurrent first
            # uploads both find nothing to lock; the one-live-cameo constraint makes one 409.
            existing = Cameo.objects.select_for_update().filter(LIVE, PERSON, owner=owner).first()
            if existing is not None:
                if existing.status != Status.REJECTED:
                    raise CameoExists()
                existing.status = Status.REVOKED
                existing.revoked_at = timezone.now()
                existing.save(update_fields=["status", "revoked_at"])
                append_consent_event(
                    owner, existing, Action.REVOKED, actor=owner, data={"reason": "replaced"}
                )
                old_clip = existing.source_clip
                transaction.on_commit(lambda: _delete_clip(old_clip))
            cameo = Cameo.objects.create(owner=owner, source_clip=stored, source_sha256=sha256)
            append_consent_event(
                owner,
                cameo,
                Action.CREATED,
                actor=owner,
                data={"consent": True, "source_sha256": sha256, "permission": cameo.permission},
            )
            enqueue_on_commit(VERIFY_TASK, str(cameo.pk))
    except IntegrityError:
        delete_file(stored)
        raise CameoExists() from None
    except BaseException:
        delete_file(stored)
        raise
    return cameo


def verify_cameo(cameo: Cameo) -> Cameo:
    """Check the source (a person's clip, or a character's clip or image) and move a pending
    cameo to `active` or `rejected`.

    Idempotent (a redelivered task finds the cameo no longer pending and does nothing); the
    slow part runs outside any transaction, the status change under the cameo's row lock.
    A cameo revoked while it was being verified stays revoked.
    """
    cameo = Cameo.objects.select_related("owner").get(pk=cameo.pk)
    if cameo.status != Status.PENDING_VERIFICATION:
        return cameo
    outcome = inspect_character(cameo) if cameo.is_character else _inspect_clip(cameo.source_clip)
    reference = outcome.get("reference_image", "")
    with transaction.atomic():
        cameo = Cameo.objects.select_for_update().select_related("owner").get(pk=cameo.pk)
        if cameo.status != Status.PENDING_VERIFICATION:
            transaction.on_commit(lambda: _delete_clips([reference] if reference else []))
            return cameo
        if outcome["ok"]:
            cameo.status = Status.ACTIVE
            cameo.verified_at = timezone.now()
            cameo.reference_image = reference
            cameo.save(update_fields=["status", "verified_at", "reference_image"])
            append_consent_event(
                cameo.owner, cameo, Action.VERIFIED, actor=None, data=outcome["data"]
            )
        else:
            cameo.status = Status.REJECTED
            cameo.rejection_reason = outcome["reason"][:255]
            cameo.save(update_fields=["status", "rejection_reason"])
            # A likeness we will not use is not kept: the sha256 stays as evidence.
            clip = cameo.source_clip
            transaction.on_commit(lambda: _delete_clip(clip))
            append_consent_event(
                cameo.owner,
                cameo,
                Action.REJECTED,
                actor=None,
                data={"code": outcome["code"], "reason": outcome["reason"]},
            )
    return cameo


def verify_cameo_by_id(cameo_id: Any) -> Cameo | None:
    """The verification task's entry: a cameo deleted meanwhile is nothing to verify."""
    cameo = Cameo.objects.filter(pk=cameo_id).first()
    return verify_cameo(cameo) if cameo is not None else None


def requeue_pending_verifications(*, older_than_seconds: int = 600) -> int:
    """Enqueue verification again for cameos pending longer than `older_than_seconds`.

    The enqueue happens on commit; if the broker was down at that moment the message is
    lost while the row exists. This periodic sweep closes that gap (verification is
    idempotent, so a duplicate message is harmless).
    """
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    ids = list(
        Cameo.objects.filter(status=Status.PENDING_VERIFICATION, created_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    for cameo_id in ids:
        enqueue_now(VERIFY_TASK, str(cameo_id))
    return len(ids)


def _inspect_clip(name: str) -> dict:
    """{ok, data} or {ok: False, code, reason} for the stored clip `name`."""
    with tempfile.TemporaryDirectory(prefix="cameo-verify-") as workdir:
        path = Path(workdir) / "clip.mp4"
        try:
            with open_file(name) as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        except (FileNotFoundError, OSError):
            return {"ok": False, "code": "missing", "reason": "The source clip is missing."}
        try:
            return _judge_clip(path)
        except InvalidMedia as exc:
            return {"ok": False, "code": exc.code, "reason": exc.message}
        except Exception:
            # Attacker-controlled input to a C library: whatever else goes wrong, the clip
            # is not verified (the owner may try another), and the task does not crash-loop.
            logger.exception("cameo clip %s could not be verified", name)
            return {
                "ok": False,
                "code": "verification_error",
                "reason": "The clip could not be verified; record it again.",
            }


def _judge_clip(path: Path) -> dict:
    """Probe and motion check of a local copy; InvalidMedia when media refuses it."""
    probe = probe_video(
        path,
        require_audio=True,
        min_seconds=CLIP_MIN_SECONDS,
        max_seconds=CLIP_MAX_SECONDS,
        max_bytes=settings.CAMEO_CLIP_MAX_BYTES,
    )
    motion = measure_motion_area(path)
    if motion < MIN_MOTION_AREA:
        return {
            "ok": False,
            "code": "no_motion",
            "reason": "No face-sized movement in the clip; record yourself moving.",
        }
    return {
        "ok": True,
        "data": {
            "duration": round(probe.duration, 3),
            "width": probe.width,
            "height": probe.height,
            "video_codec": probe.video_codec,
            "audio_codec": probe.audio_codec,
            "motion_area": round(motion, 4),
        },
    }


# --- Settings and grants ------------------------------------------------------------------


def update_cameo_settings(
    owner: User, *, permission: str | None = None, instructions: str | None = None
) -> Cameo:
    """Change who may use the cameo and the instructions every generation must respect.

    Under-18 owners cannot open their cameo to `everyone`. Grants are kept when the
    permission moves away from `approved` (they only count under `approved`).
    """
    if permission is not None and permission not in Permission.values:
        raise ValidationError({"permission": [f'"{permission}" is not a valid choice.']})
    if permission == Permission.EVERYONE and owner.is_minor:
        raise ValidationError(
            {"permission": ["Accounts of people under 18 cannot open their cameo to everyone."]}
        )
    with transaction.atomic():
        return update_settings(
            live_cameo(owner, for_update=True), permission=permission, instructions=instructions
        )


def update_settings(
    cameo: Cameo, *, permission: str | None = None, instructions: str | None = None
) -> Cameo:
    """Apply and ledger a permission or instructions change to a cameo the caller has locked
    in its transaction (a person's cameo or a character); the caller checked the permission
    against the owner's age."""
    owner = cameo.owner
    if instructions is not None and len(instructions) > 1000:
        raise ValidationError({"instructions": ["At most 1000 characters."]})
    if instructions is not None and instructions != cameo.instructions:
        check_likeness_texts(owner, [("instructions", instructions)])
    with transaction.atomic():
        if permission is not None and permission != cameo.permission:
            previous = cameo.permission
            cameo.permission = permission
            cameo.save(update_fields=["permission"])
            append_consent_event(
                owner,
                cameo,
                Action.PERMISSION_CHANGED,
                actor=owner,
                data={"from": previous, "to": permission},
            )
        if instructions is not None and instructions != cameo.instructions:
            cameo.instructions = instructions
            cameo.save(update_fields=["instructions"])
            append_consent_event(
                owner,
                cameo,
                Action.INSTRUCTIONS_CHANGED,
                actor=owner,
                private={"instructions": instructions},
            )
    return cameo


def find_grantee(owner: User, handle: Any, *, for_revoke: bool = False) -> User:
    """The user `handle` names, as `owner` may grant to; 400 on `handle` otherwise.

    Blocked users (either way) and deactivated accounts look exactly like unknown handles
    when granting; a grant given before a block can still be withdrawn (for_revoke).
    """
    if not isinstance(handle, str) or not handle.strip():
        raise ValidationError({"handle": ["This field is required."]})
    handle = handle.strip().lstrip("@")
    if not HANDLE_RE.fullmatch(handle):
        raise ValidationError({"handle": ["No user with this handle."]})
    grantee = User.objects.filter(handle__iexact=handle).first()
    if grantee is not None and grantee.pk == owner.pk:
        raise ValidationError({"handle": ["You cannot grant your cameo to yourself."]})
    if grantee is None or (
        not for_revoke and (not grantee.is_active or is_blocked_between(owner, grantee))
    ):
        raise ValidationError({"handle": ["No user with this handle."]})
    return grantee


def _locked_cameo(owner: User, cameo: Cameo | None) -> Cameo:
    """The owner's person cameo, or the given one of theirs (a character), row-locked."""
    if cameo is None:
        return live_cameo(owner, for_update=True)
    return Cameo.objects.select_for_update().select_related("owner").get(pk=cameo.pk, owner=owner)


def grant_cameo(
    owner: User, grantee: User, *, cameo: Cameo | None = None
) -> tuple[CameoGrant, bool]:
    """Let `grantee` use the owner's cameo (or the character `cameo`) under `approved`;
    idempotent (created flag)."""
    if grantee.pk == owner.pk:
        raise ValidationError({"handle": ["You cannot grant your cameo to yourself."]})
    with transaction.atomic():
        cameo = _locked_cameo(owner, cameo)
        grant, created = CameoGrant.objects.get_or_create(cameo=cameo, grantee=grantee)
        if created:
            append_consent_event(
                owner,
                cameo,
                Action.GRANTED,
                actor=owner,
                data={"grantee_id": grantee.pk},
                private={"grantee": grantee.handle},
            )
    return grant, created


def revoke_cameo_grant(owner: User, grantee: User, *, cameo: Cameo | None = None) -> bool:
    """Withdraw a grant (of the person cameo, or of the character `cameo`); True if there
    was one. Idempotent."""
    with transaction.atomic():
        cameo = _locked_cameo(owner, cameo)
        deleted, _ = CameoGrant.objects.filter(cameo=cameo, grantee=grantee).delete()
        if deleted:
            append_consent_event(
                owner,
                cameo,
                Action.GRANT_REVOKED,
                actor=owner,
                data={"grantee_id": grantee.pk},
                private={"grantee": grantee.handle},
            )
    return bool(deleted)


def revoke_cameo_consent(owner: User, *, actor: User | None = None, reason: str = "owner") -> Cameo:
    """Withdraw consent: refuse new uses at once and take existing uses down, all or nothing.

    One transaction: lock the cameo, mark it revoked, append `revoked`, then send
    `cameo_consent_revoked` *inside* the transaction, so the receivers (generation cancels
    queued jobs, feed takes down videos) commit or roll back together with the revocation.
    A publish racing with this waits on the cameo lock and then sees `revoked`. The private
    source clip is deleted once the revocation has committed.
    """
    with transaction.atomic():
        cameo = live_cameo(owner, for_update=True)
        return revoke_consent(cameo, actor=actor or owner, reason=reason)


def revoke_consent(cameo: Cameo, *, actor: User, reason: str = "owner") -> Cameo:
    """`revoke_cameo_consent` for a cameo the caller has locked (select_for_update) inside its
    transaction: a person's cameo or a character (DELETE characters/{handle})."""
    owner = cameo.owner
    with transaction.atomic():
        previous = cameo.status
        cameo.status = Status.REVOKED
        cameo.revoked_at = timezone.now()
        cameo.save(update_fields=["status", "revoked_at"])
        append_consent_event(
            owner,
            cameo,
            Action.REVOKED,
            actor=actor,
            data={"reason": reason, "previous_status": previous},
        )
        cameo_consent_revoked.send(sender=Cameo, cameo=cameo, actor=actor, reason=reason)
        files = [name for name in (cameo.source_clip, cameo.reference_image) if name]
        transaction.on_commit(lambda: _delete_clips(files))
    return cameo


def _delete_clips(names: list[str]) -> None:
    for name in names:
        _delete_clip(name)


def _delete_clip(name: str) -> None:
    try:
        delete_file(name)
    except OSError:
        logger.warning("could not delete revoked cameo clip %s", name, exc_info=True)
