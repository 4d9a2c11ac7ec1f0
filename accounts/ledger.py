"""The consent ledger's hash chain and its append-only guard.

Every event of an owner's ledger is hashed together with the hash of the event before it:
`hash = sha256(prev_hash + canonical_json(event))`, the first event chaining from 64 zeros.
Changing, inserting or removing any row breaks every hash after it, which `verify_ledger`
detects by recomputing the chain from the stored fields.

Canonical form (stable across databases and Python versions): a JSON object with exactly the
keys `seq, action, actor, at, data, prev_hash, cameo`, `sort_keys=True`, separators `(",", ":")`,
`ensure_ascii=False`, `actor` = the acting user's handle at the time ("" for the system),
`at` = ISO 8601 in UTC with microseconds (`2026-11-26T12:00:00.000000+00:00`), `cameo` = the
cameo's UUID as a string, `data` = JSON values only (strings, ints, bools, lists, objects).

Appending is `append_consent_event`, serialised per owner by the ledger lock (below).

Rows are never updated or deleted: `ConsentEventQuerySet` refuses `update()`/`delete()`,
`ConsentEvent.save()` refuses updates and `delete()` refuses (accounts/models.py), and on
PostgreSQL a trigger (migration 0002) refuses UPDATE and DELETE at the database. The one
UPDATE the trigger lets through is the foreign key `actor_id` going to NULL when the acting
user is deleted (ON DELETE SET NULL): the hash covers `actor_handle`, which stays.
Owners themselves cannot be deleted while they have a ledger (the event's `owner` and
`cameo` foreign keys are PROTECT): an account with a ledger is deactivated, not deleted.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from accounts.models import Cameo, ConsentEvent, User
from config.locks import LockClass, advisory_xact_lock

GENESIS_HASH = "0" * 64


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


def _lock_ledger(owner: User) -> None:
    """The owner's ledger lock (config/locks.py's LockClass.LEDGER, keyed by the owner), held
    until the surrounding transaction ends."""
    advisory_xact_lock(LockClass.LEDGER, owner.pk, fallback_rows=User.objects.filter(pk=owner.pk))


def normalize_data(data: dict | None) -> dict:
    """The JSON value as the database will hand it back (UUIDs, dates → strings)."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def format_at(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(
    *, seq: int, action: str, actor: str, at: datetime, data: dict, prev_hash: str, cameo: Any
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "action": action,
            "actor": actor or "",
            "at": format_at(at),
            "data": data,
            "prev_hash": prev_hash,
            "cameo": str(cameo),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def event_hash(event: ConsentEvent) -> str:
    """The hash `event` must carry, recomputed from its stored fields."""
    canonical = canonical_json(
        seq=event.seq,
        action=event.action,
        actor=event.actor_handle,
        at=event.at,
        data=event.data,
        prev_hash=event.prev_hash,
        cameo=event.cameo_id,
    )
    return chain_hash(event.prev_hash, canonical)


def verify_events(events: Iterable[ConsentEvent]) -> bool:
    """True when `events` (one owner's, in seq order) form an unbroken chain from genesis."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq or event.prev_hash != prev_hash:
            return False
        if event_hash(event) != event.hash:
            return False
        prev_hash = event.hash
        expected_seq += 1
    return True


def verify_ledger(owner: User) -> bool:
    """Recompute `owner`'s whole chain from the database; False at the first broken link."""
    events = ConsentEvent.objects.filter(owner=owner).order_by("seq").iterator(chunk_size=500)
    return verify_events(events)
