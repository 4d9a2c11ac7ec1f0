"""The consent ledger's hash chain, its append-only guard, and what erasure may touch.

Every event of an owner's ledger is hashed together with the hash of the event before it:
`hash = sha256(prev_hash + canonical_json(event))`, the first event chaining from 64 zeros.
Changing, inserting or removing any row breaks every hash after it, which `verify_ledger`
detects by recomputing the chain from the stored fields.

Canonical form (stable across databases and Python versions): a JSON object with exactly the
keys `seq, action, actor, at, data, prev_hash, cameo`, `sort_keys=True`, separators `(",", ":")`,
`ensure_ascii=False`, `actor` = the acting user's id as a string ("" for the system; the
column `actor_ref`), `at` = ISO 8601 in UTC with microseconds
(`2026-11-26T12:00:00.000000+00:00`), `cameo` = the cameo's UUID as a string, `data` = JSON
values only (strings, ints, bools, lists, objects).

**No personal data inside the hash** (DESIGN.md v1.1, "Ledgers"): hashed content is ids,
enums, digests and system text only, so erasing an account (accounts.services.erasure) never
has to rewrite a hashed row and every other owner's chain keeps verifying. What a person needs
to read the ledger but is personal (the actor's and a grantee's handle, the instructions'
free text) lives beside the chain in `actor_handle` and `details`, which are not hashed. Free
text is still tamper-evident while it exists: `details` holds a random salt and the values,
and the hashed `data["private_hmac"]` is HMAC-SHA256(salt, canonical values); erasure deletes
salt and values together, after which the HMAC says nothing about what was written (no
dictionary attack on a short text without the salt). Migration 0005 moved the chains written
before this rule (the handle as `actor`, grantee handles and instructions in `data`) to this
form, re-hashing each chain that verified, and recorded every re-hash as a `LedgerRehash` row
(old and new head hash, the reason).

Appending is `append_consent_event`, serialised per owner by the ledger lock (below).

Rows are never updated or deleted: `ConsentEventQuerySet` refuses `update()`/`delete()`,
`ConsentEvent.save()` refuses updates and `delete()` refuses (accounts/models.py), and on
PostgreSQL a trigger (migration 0005) refuses UPDATE and DELETE at the database. The trigger
lets through only changes to unhashed columns that forget: `actor_id` going to NULL (ON DELETE
SET NULL of the acting user), and `actor_handle` → "" and `details` → {} (`forget_person`).
Owners themselves cannot be deleted while they have a ledger (the event's `owner` and
`cameo` foreign keys are PROTECT): an account with a ledger is erased in place, not deleted.
"""

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Cameo, ConsentEvent, User
from config.locks import LockClass, advisory_xact_lock

GENESIS_HASH = "0" * 64


def append_consent_event(
    owner: User,
    cameo: Cameo,
    action: str,
    *,
    actor: User | None,
    data: dict | None = None,
    private: dict | None = None,
) -> ConsentEvent:
    """Append one event to `owner`'s ledger, chained to the previous one.

    `data` is hashed: ids, enums, digests and system text only. `private` holds the personal
    values a reader needs (handles, free text): stored unhashed in `details` with a salt, and
    committed to by `data["private_hmac"]` (module docstring).

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
        details: dict = {}
        if private:
            details = {"salt": secrets.token_hex(16), "values": normalize_data(private)}
            data["private_hmac"] = private_hmac(details["salt"], details["values"])
        actor_handle = actor.handle if actor is not None else ""
        actor_ref = str(actor.pk) if actor is not None else ""
        canonical = canonical_json(
            seq=seq,
            action=action,
            actor=actor_ref,
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
            actor_ref=actor_ref,
            actor_handle=actor_handle,
            at=at,
            data=data,
            details=details,
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


def private_hmac(salt: str, values: dict) -> str:
    """The hashed commitment to an event's personal values (module docstring)."""
    message = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(bytes.fromhex(salt), message.encode(), hashlib.sha256).hexdigest()


def details_match(event: ConsentEvent) -> bool:
    """True when the event's unhashed personal values are the ones its hash committed to, or
    were forgotten (erasure); False when someone changed them."""
    details = event.details or {}
    if not details:
        return True
    committed = (event.data or {}).get("private_hmac")
    salt, values = details.get("salt"), details.get("values")
    if not isinstance(committed, str) or not isinstance(salt, str) or values is None:
        return False
    return hmac.compare_digest(committed, private_hmac(salt, values))


def forget_person(user: User) -> int:
    """Erase `user`'s personal data from every ledger without touching a hashed column.

    In the user's own ledger every row forgets its handles and free text (their instructions,
    the handles of people they granted); in other owners' ledgers the rows they acted in forget
    their handle, and grants to them forget the grantee's handle. Hashes, ids and the chain
    stay as they were, so every ledger still verifies. Returns the number of rows changed.
    """
    rows = ConsentEvent.objects.filter(
        Q(owner_id=user.pk) | Q(actor_ref=str(user.pk)) | Q(data__grantee_id=user.pk)
    ).exclude(actor_handle="", details={})
    # The one UPDATE the ledger allows (the trigger checks it too): unhashed columns only,
    # and only towards forgetting. ConsentEventQuerySet.update refuses everything, on purpose.
    return models.QuerySet.update(rows, actor_handle="", details={})


def event_canonical(event: ConsentEvent) -> str:
    """The exact text `event`'s hash covers, rebuilt from its stored fields (the API and
    exports hand it out so anyone can recompute the hash without our code)."""
    return canonical_json(
        seq=event.seq,
        action=event.action,
        actor=event.actor_ref,
        at=event.at,
        data=event.data,
        prev_hash=event.prev_hash,
        cameo=event.cameo_id,
    )


def event_hash(event: ConsentEvent) -> str:
    """The hash `event` must carry, recomputed from its stored fields."""
    return chain_hash(event.prev_hash, event_canonical(event))


def verify_events(events: Iterable[ConsentEvent]) -> bool:
    """True when `events` (one owner's, in seq order) form an unbroken chain from genesis."""
    prev_hash = GENESIS_HASH
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq or event.prev_hash != prev_hash:
            return False
        if event_hash(event) != event.hash or not details_match(event):
            return False
        prev_hash = event.hash
        expected_seq += 1
    return True


def verify_ledger(owner: User) -> bool:
    """Recompute `owner`'s whole chain from the database; False at the first broken link."""
    events = ConsentEvent.objects.filter(owner=owner).order_by("seq").iterator(chunk_size=500)
    return verify_events(events)
