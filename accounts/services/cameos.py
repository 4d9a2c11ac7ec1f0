"""Cameos: a person's likeness, the consent its owner controls, and THE use check.

Every use of a cameo anywhere (job creation, publishing, remixing) goes through
`check_cameo_use`; every consent-relevant fact is appended to the owner's hash-chained ledger
(`append_consent_event`, accounts/ledger.py).

Lock order, kept everywhere so concurrent revoke/publish cannot deadlock on our rows: the
cameo row first (select_for_update), then the owner's ledger lock (taken by
`append_consent_event` to serialise the ledger's seq).
"""

import hashlib
import logging
import re
import shutil
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.exceptions import CameoBusy, CameoExists, CameoUseRefused, NoCameo
from accounts.ledger import GENESIS_HASH, canonical_json, chain_hash, normalize_data
from accounts.models import Block, Cameo, CameoGrant, ConsentEvent, Follow, Notification, User
from accounts.services.notifications import notify
from accounts.services.users import are_mutuals, is_blocked_between
from accounts.signals import cameo_consent_revoked
from media.motion import measure_motion_area  # the motion check lives in media (issue 13)

logger = logging.getLogger(__name__)

Action = ConsentEvent.Action
Status = Cameo.Status
Permission = Cameo.Permission

LIVE = ~Q(status=Status.REVOKED)
# How long a use check waits for a cameo row another transaction holds (see _lock_cameo_for_use).
CAMEO_LOCK_WAIT_SECONDS = 2.0
CLIP_MIN_SECONDS = 3
CLIP_MAX_SECONDS = 30
# A face in a selfie clip covers well over 5% of the frame; the motion check asks for at
# least that much of the frame to change between sampled frames.
MIN_MOTION_AREA = 0.05
# What a handle can look like (case-insensitive): anything else is unknown without a query.
_HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,30}")
# `@handle` in free text; not the middle of an e-mail address or of another word.
MENTION_RE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")
# Bytes 4..8 of an ISO-BMFF (MP4/MOV) file, or the EBML magic of Matroska/WebM.
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


# --- The ledger ---------------------------------------------------------------------------


def append_consent_event(
    owner: User, cameo: Cameo, action: str, *, actor: User | None, data: dict | None = None
) -> ConsentEvent:
    """Append one event to `owner`'s ledger, chained to the previous one.

    Serialised per owner by a lock held until the caller's transaction ends, so concurrent
    appends get consecutive seq numbers with no gaps or duplicates (UniqueConstraint(owner,
    seq) backs it up). On PostgreSQL that lock is a transaction-level advisory lock keyed by
    the owner, not the owner's user row: generation locks the *acting* user's row for its
    quota before it records a use, and two people using each other's cameos at the same
    moment would otherwise deadlock on each other's user rows. Elsewhere the owner's row is
    locked with SELECT FOR UPDATE (a no-op on SQLite, whose IMMEDIATE transactions serialise
    writers anyway).
    """
    with transaction.atomic():
        _lock_ledger(owner)
        last = (
            ConsentEvent.objects.filter(owner_id=owner.pk)
            .order_by("-seq")
            .values("seq", "hash")
            .first()
        )
        seq = last["seq"] + 1 if last else 1
        prev_hash = last["hash"] if last else GENESIS_HASH
        at = timezone.now()
        data = normalize_data(data)
        actor_handle = actor.handle if actor is not None else ""
        canonical = canonical_json(
            seq=seq,
            action=action,
            actor=actor_handle,
            at=at,
            data=data,
            prev_hash=prev_hash,
            cameo=cameo.pk,
        )
        return ConsentEvent.objects.create(
            owner_id=owner.pk,
            cameo_id=cameo.pk,
            seq=seq,
            action=action,
            actor=actor,
            actor_handle=actor_handle,
            at=at,
            data=data,
            prev_hash=prev_hash,
            hash=chain_hash(prev_hash, canonical),
        )


_LEDGER_LOCK_CLASS = 0x4C454447  # "LEDG": the advisory-lock namespace of consent ledgers


def _lock_ledger(owner: User) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [_LEDGER_LOCK_CLASS, owner.pk % 2_147_483_647],
            )
    else:
        list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))


# --- Reading ------------------------------------------------------------------------------


def live_cameo(owner: User, *, for_update: bool = False) -> Cameo:
    """The owner's cameo that is not revoked (at most one, by constraint), or NoCameo (404)."""
    qs = Cameo.objects.filter(LIVE, owner=owner)
    if for_update:
        qs = qs.select_for_update()
    cameo = qs.first()
    if cameo is None:
        raise NoCameo()
    return cameo


def usable_cameos(actor: User) -> QuerySet:
    """Cameos `actor` may use right now, in one query; mirrors `check_cameo_use` exactly."""
    now = timezone.now()
    owner = OuterRef("owner_id")
    blocked = Block.objects.filter(
        Q(blocker_id=actor.pk, blocked_id=owner) | Q(blocker_id=owner, blocked_id=actor.pk)
    )
    granted = CameoGrant.objects.filter(cameo_id=OuterRef("pk"), grantee_id=actor.pk)
    follows_owner = Follow.objects.filter(follower_id=actor.pk, followee_id=owner)
    followed_by_owner = Follow.objects.filter(follower_id=owner, followee_id=actor.pk)
    allowed = (
        Q(permission=Permission.EVERYONE)
        | Q(Q(permission=Permission.APPROVED), Exists(granted))
        | Q(Q(permission=Permission.MUTUALS), Exists(follows_owner), Exists(followed_by_owner))
    )
    return (
        Cameo.objects.filter(status=Status.ACTIVE, owner__is_active=True)
        .filter(Q(owner__suspended_until__isnull=True) | Q(owner__suspended_until__lte=now))
        .filter(Q(owner_id=actor.pk) | Q(~Exists(blocked), allowed))
        .select_related("owner")
    )


# --- Creating and verifying ---------------------------------------------------------------


def _check_upload(upload) -> None:
    if upload is None:
        raise ValidationError({"video": ["A video file is required."]})
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError({"video": ["The submitted file is empty."]})
    if size > settings.CAMEO_CLIP_MAX_BYTES:
        raise ValidationError(
            {"video": [f"The clip is larger than {settings.CAMEO_CLIP_MAX_BYTES} bytes."]}
        )
    upload.seek(0)
    head = upload.read(12)
    upload.seek(0)
    if not (head[4:8] in _MP4_BOXES or head[:4] == _EBML_MAGIC):
        raise ValidationError({"video": ["The file is not an MP4 video."]})


def _sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in iter(lambda: upload.read(1024 * 1024), b""):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def create_cameo(owner: User, *, upload, consent) -> Cameo:
    """Store the owner's clip privately and start verification; 409 when a cameo is live.

    A previously *rejected* cameo does not block a new attempt: it is retired (status
    revoked, ledger `revoked` with reason `replaced`) in the same transaction. The clip is
    stored under `cameos/<owner id>/<uuid>.mp4` and only ever read by the verifier; no URL to
    it is handed out.
    """
    from config.storage import delete_file, save_file

    if consent is not True:
        raise ValidationError({"consent": ["Explicit consent (consent=true) is required."]})
    _check_upload(upload)
    # Cheap early answer before storing anything; re-checked under the lock below.
    if Cameo.objects.filter(LIVE, owner=owner).exclude(status=Status.REJECTED).exists():
        raise CameoExists()
    sha256 = _sha256_of(upload)
    stored = save_file(f"cameos/{owner.pk}/{uuid.uuid4().hex}.mp4", upload)
    try:
        with transaction.atomic():
            # Lock order as everywhere: the cameo row, then the ledger. Two concurrent first
            # uploads both find nothing to lock; the one-live-cameo constraint makes one 409.
            existing = Cameo.objects.select_for_update().filter(LIVE, owner=owner).first()
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
            transaction.on_commit(lambda: _enqueue_verification(cameo.pk))
    except IntegrityError:
        delete_file(stored)
        raise CameoExists() from None
    except BaseException:
        delete_file(stored)
        raise
    return cameo


def _enqueue_verification(cameo_id) -> None:
    from accounts.tasks import verify_cameo_task

    verify_cameo_task.delay(str(cameo_id))


def verify_cameo(cameo: Cameo) -> Cameo:
    """Check the source clip and move a pending cameo to `active` or `rejected`.

    Idempotent (a redelivered task finds the cameo no longer pending and does nothing); the
    slow part runs outside any transaction, the status change under the cameo's row lock.
    A cameo revoked while it was being verified stays revoked.
    """
    cameo = Cameo.objects.select_related("owner").get(pk=cameo.pk)
    if cameo.status != Status.PENDING_VERIFICATION:
        return cameo
    outcome = _inspect_clip(cameo.source_clip)
    with transaction.atomic():
        cameo = Cameo.objects.select_for_update().select_related("owner").get(pk=cameo.pk)
        if cameo.status != Status.PENDING_VERIFICATION:
            return cameo
        if outcome["ok"]:
            cameo.status = Status.ACTIVE
            cameo.verified_at = timezone.now()
            cameo.save(update_fields=["status", "verified_at"])
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


def verify_cameo_by_id(cameo_id) -> Cameo | None:
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
        _enqueue_verification(cameo_id)
    return len(ids)


def _inspect_clip(name: str) -> dict:
    """{ok, data} or {ok: False, code, reason} for the stored clip `name`."""
    from config.storage import open_file
    from media.errors import InvalidMedia
    from media.probe import probe_video

    with tempfile.TemporaryDirectory(prefix="cameo-verify-") as workdir:
        path = Path(workdir) / "clip.mp4"
        try:
            with open_file(name) as src, path.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1024 * 1024)
        except (FileNotFoundError, OSError):
            return {"ok": False, "code": "missing", "reason": "The source clip is missing."}
        try:
            probe = probe_video(
                path,
                require_audio=True,
                min_seconds=CLIP_MIN_SECONDS,
                max_seconds=CLIP_MAX_SECONDS,
                max_bytes=settings.CAMEO_CLIP_MAX_BYTES,
            )
            motion = measure_motion_area(path)
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
    if instructions is not None and len(instructions) > 1000:
        raise ValidationError({"instructions": ["At most 1000 characters."]})
    with transaction.atomic():
        cameo = live_cameo(owner, for_update=True)
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
                data={"instructions": instructions},
            )
    return cameo


def find_grantee(owner: User, handle, *, for_revoke: bool = False) -> User:
    """The user `handle` names, as `owner` may grant to; 400 on `handle` otherwise.

    Blocked users (either way) and deactivated accounts look exactly like unknown handles
    when granting; a grant given before a block can still be withdrawn (for_revoke).
    """
    if not isinstance(handle, str) or not handle.strip():
        raise ValidationError({"handle": ["This field is required."]})
    handle = handle.strip().lstrip("@")
    if not _HANDLE_RE.fullmatch(handle):
        raise ValidationError({"handle": ["No user with this handle."]})
    grantee = User.objects.filter(handle__iexact=handle).first()
    if grantee is not None and grantee.pk == owner.pk:
        raise ValidationError({"handle": ["You cannot grant your cameo to yourself."]})
    if grantee is None or (
        not for_revoke and (not grantee.is_active or is_blocked_between(owner, grantee))
    ):
        raise ValidationError({"handle": ["No user with this handle."]})
    return grantee


def grant_cameo(owner: User, grantee: User) -> tuple[CameoGrant, bool]:
    """Let `grantee` use the owner's cameo under `approved`; idempotent (created flag)."""
    if grantee.pk == owner.pk:
        raise ValidationError({"handle": ["You cannot grant your cameo to yourself."]})
    with transaction.atomic():
        cameo = live_cameo(owner, for_update=True)
        grant, created = CameoGrant.objects.get_or_create(cameo=cameo, grantee=grantee)
        if created:
            append_consent_event(
                owner, cameo, Action.GRANTED, actor=owner, data={"grantee": grantee.handle}
            )
    return grant, created


def revoke_cameo_grant(owner: User, grantee: User) -> bool:
    """Withdraw a grant; True if there was one. Idempotent."""
    with transaction.atomic():
        cameo = live_cameo(owner, for_update=True)
        deleted, _ = CameoGrant.objects.filter(cameo=cameo, grantee=grantee).delete()
        if deleted:
            append_consent_event(
                owner, cameo, Action.GRANT_REVOKED, actor=owner, data={"grantee": grantee.handle}
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
    actor = actor or owner
    with transaction.atomic():
        cameo = live_cameo(owner, for_update=True)
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
        clip = cameo.source_clip
        transaction.on_commit(lambda: _delete_clip(clip))
    return cameo


def _delete_clip(name: str) -> None:
    from config.storage import delete_file

    try:
        delete_file(name)
    except OSError:
        logger.warning("could not delete revoked cameo clip %s", name, exc_info=True)


# --- THE use check ------------------------------------------------------------------------


def _refusal(actor: User, cameo: Cameo) -> tuple[str, str] | None:
    """(reason code, message) when `actor` may not use `cameo`, else None."""
    owner = cameo.owner
    handle = f"@{owner.handle}"
    if cameo.status != Status.ACTIVE:
        state = {
            Status.PENDING_VERIFICATION: "not verified yet",
            Status.REJECTED: "not verified",
            Status.REVOKED: "no longer available: its owner revoked consent",
        }.get(cameo.status, cameo.status)
        return f"cameo_{cameo.status}", f"The cameo {handle} is {state}."
    if not owner.is_active or owner.is_suspended:
        reason = "owner_inactive" if not owner.is_active else "owner_suspended"
        return reason, f"The cameo {handle} is not available right now."
    if actor.pk == owner.pk:
        return None
    denied = f"You may not use the cameo {handle}."
    if is_blocked_between(actor, owner):
        return "blocked", denied
    if cameo.permission == Permission.ONLY_ME:
        return "only_me", denied
    if cameo.permission == Permission.APPROVED:
        if not CameoGrant.objects.filter(cameo_id=cameo.pk, grantee_id=actor.pk).exists():
            return "not_approved", denied
    elif cameo.permission == Permission.MUTUALS:
        if not are_mutuals(actor, owner):
            return "not_mutuals", denied
    elif cameo.permission != Permission.EVERYONE:
        return "unknown_permission", denied
    return None


def check_cameo_use(actor: User, cameo: Cameo, *, context: str, lock: bool = False) -> Cameo:
    """THE single place that decides whether `actor` may use `cameo` now; returns the cameo.

    Refuses (CameoUseRefused, 403 `cameo_permission_denied`, naming the cameo) when the cameo
    is not active, its owner is suspended or deactivated, either blocks the other, or the
    permission does not cover `actor`; the owner may always use their own active cameo.
    Each refusal is appended to the owner's ledger as `use_refused`.

    With lock=True the cameo is re-read with SELECT FOR UPDATE: call it inside the caller's
    transaction (e.g. publishing), which then holds the lock until it commits, so a
    concurrent revocation waits for it or is seen by it. If a revocation holds the cameo
    for longer than CAMEO_LOCK_WAIT_SECONDS, CameoBusy (409 `cameo_busy`) is raised instead
    of waiting (that wait could deadlock with the revocation's takedowns).
    """
    if lock:
        cameo = _lock_cameo_for_use(cameo.pk)
    refusal = _refusal(actor, cameo)
    if refusal is None:
        return cameo
    reason, message = refusal
    exc = CameoUseRefused(message, cameo=cameo, actor=actor, context=context, reason=reason)
    exc.event = _append_refusal(exc)
    raise exc


def _lock_cameo_for_use(cameo_id) -> Cameo:
    """Re-read the cameo under a row lock, without ever queueing behind a revocation.

    Callers already hold other locks when they check (publishing holds the job row, job
    creation the actor's user row), while a revocation holds the cameo and then, through its
    receivers, locks those jobs: waiting here could close a deadlock cycle. So the lock is
    taken with NOWAIT and retried with short sleeps for up to CAMEO_LOCK_WAIT_SECONDS; if it
    is still held, CameoBusy (409, retryable) rolls the caller back, which lets the
    revocation finish. Two uses of one cameo only ever hold it for milliseconds.
    """
    qs = Cameo.objects.select_related("owner")
    if not connection.features.has_select_for_update_nowait:
        return qs.select_for_update(of=("self",)).get(pk=cameo_id)
    deadline = time.monotonic() + CAMEO_LOCK_WAIT_SECONDS
    delay = 0.005
    while True:
        try:
            with transaction.atomic():
                return qs.select_for_update(nowait=True, of=("self",)).get(pk=cameo_id)
        except OperationalError:
            if time.monotonic() >= deadline:
                raise CameoBusy() from None
            time.sleep(delay)
            delay = min(delay * 2, 0.1)


def _append_refusal(exc: CameoUseRefused) -> ConsentEvent:
    return append_consent_event(
        exc.cameo.owner,
        exc.cameo,
        Action.USE_REFUSED,
        actor=exc.actor,
        data={"context": exc.context, "reason": exc.reason},
    )


def ensure_refusal_recorded(exc: CameoUseRefused) -> None:
    """Re-append a `use_refused` event that the caller's rolled-back transaction took away.

    Called by the API exception handler after the view's transactions have ended; matching
    on (pk, hash) cannot confuse the lost row with another one that reused its id.
    """
    if exc.cameo is None or exc.actor is None or connection.needs_rollback:
        return
    try:
        event = exc.event
        if event is not None and ConsentEvent.objects.filter(pk=event.pk, hash=event.hash).exists():
            return
        exc.event = _append_refusal(exc)
    except DatabaseError:
        logger.warning("could not record refused cameo use", exc_info=True)


def resolve_cameos(
    actor: User, *, handles, prompt: str = "", context: str = "generation"
) -> list[Cameo]:
    """The cameos a generation asks for, each checked with `check_cameo_use`.

    `handles` (the request's `cameos` list) must each name a user with a cameo, else a
    ValidationError on `cameos` (a revoked one is refused with the usual 403). `@handle`
    mentions in the prompt of users who have a live cameo are checked as well (a mention must
    not smuggle a likeness past consent); mentions of users without a live cameo (or unknown
    handles) are ordinary text and are ignored.
    """
    if handles is None:
        handles = []
    if not isinstance(handles, list | tuple) or not all(isinstance(h, str) for h in handles):
        raise ValidationError({"cameos": ["A list of handles is expected."]})
    explicit = [h.strip().lstrip("@").lower() for h in handles]
    mentioned = [m.lower() for m in MENTION_RE.findall(prompt or "")]
    wanted = list(dict.fromkeys(h for h in explicit + mentioned if _HANDLE_RE.fullmatch(h)))
    if not wanted and not explicit:
        return []
    found = {
        c.owner.handle.lower(): c
        for c in Cameo.objects.filter(LIVE, owner__handle__in=wanted).select_related("owner")
    }
    missing = [h for h in dict.fromkeys(explicit) if h not in found]
    if missing:
        # Asked for by name, but revoked: a 403 naming the cameo says more than "unknown".
        for cameo in (
            Cameo.objects.filter(
                status=Status.REVOKED,
                owner__handle__in=[h for h in missing if _HANDLE_RE.fullmatch(h)],
            )
            .select_related("owner")
            .order_by("owner_id", "-revoked_at")
        ):
            found.setdefault(cameo.owner.handle.lower(), cameo)
    unknown = [h for h in missing if h not in found]
    if unknown:
        raise ValidationError({"cameos": [f"No cameo for @{h}." for h in unknown]})
    return [check_cameo_use(actor, found[h], context=context) for h in wanted if h in found]


def record_cameo_use(cameo: Cameo, *, actor: User, job_id) -> ConsentEvent:
    """Ledger `used` and a notification to the owner; call in the job-creating transaction."""
    event = append_consent_event(
        cameo.owner, cameo, Action.USED, actor=actor, data={"job_id": str(job_id)}
    )
    notify(
        cameo.owner,
        Notification.Kind.CAMEO_USE,
        actor=actor,
        data={"job_id": str(job_id), "cameo_id": str(cameo.pk)},
    )
    return event


def record_cameo_use_removed(cameo: Cameo, *, actor: User, video_id) -> ConsentEvent:
    """Ledger `use_removed`: the owner took down a video that used the cameo."""
    return append_consent_event(
        cameo.owner, cameo, Action.USE_REMOVED, actor=actor, data={"video_id": str(video_id)}
    )


def cameo_instructions(cameos) -> list[str]:
    """The owners' instructions, `@handle: text`, for the storyboard and provider prompt."""
    return [
        f"@{cameo.owner.handle}: {cameo.instructions.strip()}"
        for cameo in cameos
        if cameo.instructions and cameo.instructions.strip()
    ]
