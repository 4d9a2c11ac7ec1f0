"""The hash chains of the credit ledger and the revenue-share statements.

The same scheme as the consent ledger (accounts/ledger.py, whose `chain_hash`, `format_at`,
`normalize_data` and genesis are reused): `hash = sha256(prev_hash + canonical_json(entry))`,
the first entry chaining from 64 zeros, canonical JSON with sorted keys, separators
`(",", ":")` and `at` in UTC with microseconds. Only ids, amounts, kinds and times are hashed
(no handle, name or email), so erasing an account never breaks a chain.

Credit entry canonical keys: `seq, kind, amount, balance_after, account, job, checkout,
reverses, stripe_event, reason, actor, at, prev_hash` (ids as strings, "" when absent).
Revenue-share entry keys: `seq, kind, holder, entity, job, spend, credits_spent,
share_percent, amount, at, prev_hash` (decimals as strings with two places).
"""

import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from accounts.ledger import GENESIS_HASH, chain_hash, format_at
from billing.models import CreditEntry, RevenueShareEntry


def _id(value: Any) -> str:
    return "" if value is None else str(value)


def _dumps(payload: dict) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def credit_canonical(entry: CreditEntry) -> str:
    return _dumps(
        {
            "seq": entry.seq,
            "kind": entry.kind,
            "amount": entry.amount,
            "balance_after": entry.balance_after,
            "account": _id(entry.account_id),
            "job": _id(entry.job_id),
            "checkout": _id(entry.checkout_id),
            "reverses": _id(entry.reverses_id),
            "stripe_event": entry.stripe_event_id or "",
            "reason": entry.reason or "",
            "actor": _id(entry.actor_id),
            "at": format_at(entry.at),
            "prev_hash": entry.prev_hash,
        }
    )


def _decimal(value: Decimal | str) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def share_canonical(entry: RevenueShareEntry) -> str:
    return _dumps(
        {
            "seq": entry.seq,
            "kind": entry.kind,
            "holder": _id(entry.holder_id),
            "entity": _id(entry.entity_id),
            "job": _id(entry.job_id),
            "spend": _id(entry.spend_id),
            "credits_spent": entry.credits_spent,
            "share_percent": _decimal(entry.share_percent),
            "amount": _decimal(entry.amount),
            "at": format_at(entry.at),
            "prev_hash": entry.prev_hash,
        }
    )


def seal(entry, prev_hash: str, seq: int) -> None:
    """Give an unsaved entry its place in the chain: seq, prev_hash and its hash."""
    entry.seq, entry.prev_hash = seq, prev_hash
    entry.hash = entry_hash(entry)


def entry_hash(entry) -> str:
    """The hash `entry` must carry, recomputed from its stored fields."""
    canonical = (
        credit_canonical(entry) if isinstance(entry, CreditEntry) else share_canonical(entry)
    )
    return chain_hash(entry.prev_hash, canonical)


def verify_chain(entries: Iterable) -> bool:
    """True when `entries` (one chain, in seq order) link up unbroken from genesis."""
    prev_hash, expected_seq = GENESIS_HASH, 1
    for entry in entries:
        if entry.seq != expected_seq or entry.prev_hash != prev_hash:
            return False
        if entry_hash(entry) != entry.hash:
            return False
        prev_hash, expected_seq = entry.hash, expected_seq + 1
    return True


__all__ = ["GENESIS_HASH", "entry_hash", "seal", "verify_chain"]
