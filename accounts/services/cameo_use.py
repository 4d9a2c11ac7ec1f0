"""THE use check: whether someone may use a cameo now, and the ledger records of each use.

Every use of a cameo anywhere (job creation, publishing, a wider visibility, a moderator's
restore, remixing) goes through `check_cameo_use`. A refusal is appended to the owner's
ledger as `use_refused`; callers whose transaction rolls back on the refusal enter
`recording_refusals()` around it, so the refusal stays on the ledger whoever called (an API
request, a Celery task, the admin).

Lock order: see accounts/services/cameos.py (the cameo row, then the owner's ledger lock).
"""

import logging
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.exceptions import CameoBusy, CameoUseRefused
from accounts.ledger import append_consent_event
from accounts.models import Block, Cameo, CameoGrant, ConsentEvent, Follow, Notification, User
from accounts.services.cameos import HANDLE_RE, LIVE, PERSON
from accounts.services.notifications import notify
from accounts.services.users import are_mutuals, is_blocked_between
from events.event_types import EventType
from events.services import record_event

logger = logging.getLogger(__name__)

Action = ConsentEvent.Action
Status = Cameo.Status
Permission = Cameo.Permission

# How long a use check waits for a cameo row another transaction holds (see _lock_cameo_for_use).
CAMEO_LOCK_WAIT_SECONDS = 2.0
# `@handle` in free text; not the middle of an e-mail address or of another word.
MENTION_RE = re.compile(r"(?<![\w.@])@([A-Za-z0-9_]{3,30})(?![A-Za-z0-9_])")


def usable_cameos(actor: User) -> QuerySet[Cameo]:
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


def _refusal(actor: User, cameo: Cameo) -> tuple[str, str] | None:
    """(reason code, message) when `actor` may not use `cameo`, else None."""
    owner = cameo.owner
    handle = f"@{cameo.mention}"
    if cameo.status != Status.ACTIVE:
        states: dict[str, str] = {
            Status.PENDING_VERIFICATION: "not verified yet",
            Status.REJECTED: "not verified",
            Status.REVOKED: "no longer available: its owner revoked consent",
        }
        state = states.get(cameo.status, cameo.status)
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
    Each refusal is appended to the owner's ledger as `use_refused`; a caller that rolls back
    on the refusal keeps it there by entering `recording_refusals()` outside its transaction.

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


def _lock_cameo_for_use(cameo_id: Any) -> Cameo:
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


@contextmanager
def recording_refusals() -> Iterator[None]:
    """Keep on the ledger every refusal raised inside the block, then re-raise it.

    Enter it outside the transaction the refusal rolls back (`with recording_refusals(),
    transaction.atomic(): ...`): that rollback takes the `use_refused` row with it, and on
    the way out the row is appended again, in the transaction around the block (autocommit
    when there is none). Nested blocks are harmless: the row is appended only when it is gone.
    """
    try:
        yield
    except CameoUseRefused as refusal:
        _record_refusal_again(refusal)
        raise


def _record_refusal_again(exc: CameoUseRefused) -> None:
    """Re-append a `use_refused` event a rolled-back transaction took away; matching on
    (pk, hash) cannot confuse the lost row with another one that reused its id."""
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
    actor: User, *, handles: Any, prompt: str = "", context: str = "generation"
) -> list[Cameo]:
    """The cameos a generation asks for, each checked with `check_cameo_use`.

    A handle names a person's cameo by its owner's handle, or a character by its own (one
    namespace: accounts.models.Handle). `handles` (the request's `cameos` list) must each
    name a user with a cameo or a character, else a
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
    wanted = list(dict.fromkeys(h for h in explicit + mentioned if HANDLE_RE.fullmatch(h)))
    if not wanted and not explicit:
        return []
    found = {c.mention.lower(): c for c in _named(Cameo.objects.filter(LIVE), wanted)}
    missing = [h for h in dict.fromkeys(explicit) if h not in found]
    if missing:
        _add_revoked(found, missing)
    unknown = [h for h in missing if h not in found]
    if unknown:
        raise ValidationError({"cameos": [f"No cameo for @{h}." for h in unknown]})
    return [check_cameo_use(actor, found[h], context=context) for h in wanted if h in found]


def _add_revoked(found: dict[str, Cameo], missing: Sequence[str]) -> None:
    """Asked for by name, but revoked: a 403 naming the cameo says more than "unknown"."""
    named = [h for h in missing if HANDLE_RE.fullmatch(h)]
    revoked = Cameo.objects.filter(status=Status.REVOKED)
    for cameo in _named(revoked, named).order_by("owner_id", "-revoked_at"):
        found.setdefault(cameo.mention.lower(), cameo)


def _named(cameos: QuerySet[Cameo], handles: Sequence[str]) -> QuerySet[Cameo]:
    """Those of `cameos` that `handles` name: characters by their own handle, people's
    cameos by their owner's."""
    return cameos.filter(
        Q(handle__in=handles) | Q(PERSON, owner__handle__in=handles)
    ).select_related("owner")


def record_cameo_use(cameo: Cameo, *, actor: User, job_id: Any) -> ConsentEvent:
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
    data = {"cameo": str(cameo.pk), "job": str(job_id), "stage": "generation"}
    record_event(EventType.CAMEO_USED, user=cameo.owner_id, actor=actor, data=data)
    return event


def record_cameo_use_removed(cameo: Cameo, *, actor: User, video_id: Any) -> ConsentEvent:
    """Ledger `use_removed`: the owner took down a video that used the cameo."""
    return append_consent_event(
        cameo.owner, cameo, Action.USE_REMOVED, actor=actor, data={"video_id": str(video_id)}
    )


def cameo_instructions(cameos: Iterable[Cameo]) -> list[str]:
    """The owners' instructions, `@handle: text`, for the storyboard and provider prompt."""
    return [
        f"@{cameo.mention}: {cameo.instructions.strip()}"
        for cameo in cameos
        if cameo.instructions and cameo.instructions.strip()
    ]
