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
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a consent ledger row."""


class ConsentEventQuerySet(models.QuerySet):
    """Reads only: bulk changes to the ledger are refused."""

    def update(self, **kwargs):
        raise AppendOnlyError("Consent events are append-only; they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Consent events are append-only; they cannot be deleted.")

    # Django's manager leaves queryset_only methods off `objects`: only a queryset has them.
    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


def normalize_data(data: dict | None) -> dict:
    """The JSON value as the database will hand it back (UUIDs, dates → strings)."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def format_at(at) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_json(
    *, seq: int, action: str, actor: str, at, data: dict, prev_hash: str, cameo
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


def event_hash(event) -> str:
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


def verify_events(events) -> bool:
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


def verify_ledger(owner) -> bool:
    """Recompute `owner`'s whole chain from the database; False at the first broken link."""
    from accounts.models import ConsentEvent

    events = ConsentEvent.objects.filter(owner=owner).order_by("seq").iterator(chunk_size=500)
    return verify_events(events)
