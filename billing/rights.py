"""The rights holders' revenue share: written with a paid generation's spend, reversed with its
refund, read back as statements (entries and monthly totals) that verify as a hash chain.

Which protected entities a job uses is moderation's question (its policy matches names the same
way the prompt check does): billing asks through `settings.BILLING_RIGHTS_RESOLVER`, called as
`resolver(user=..., texts=[(field, text), ...])` and returning `LicensedUse`s, so billing never
imports moderation.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.module_loading import import_string

from accounts.ledger import GENESIS_HASH
from accounts.models import User
from billing import ledger
from billing.models import CreditEntry, RevenueShareEntry
from config.locks import LockClass, advisory_xact_lock
from config.renderers import format_timestamp

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LicensedUse:
    """An opted-in protected entity a generation uses, and whom it pays."""

    entity_id: int
    holder_id: int
    share_percent: Decimal | None  # None: settings.RIGHTS_DEFAULT_SHARE_PERCENT


def licensed_uses(*, user: User, texts: list[tuple[str, str]]) -> list[LicensedUse]:
    resolver = import_string(settings.BILLING_RIGHTS_RESOLVER)
    uses = resolver(user=user, texts=texts) or []
    # One share per entity, and never to the person paying (a holder generating their own).
    unique = {use.entity_id: use for use in uses if use.holder_id != user.pk}
    return sorted(unique.values(), key=lambda use: use.entity_id)


def _share_amount(credits: int, percent: Decimal) -> Decimal:
    return (Decimal(credits) * percent / Decimal(100)).quantize(CENT, rounding=ROUND_DOWN)


def _append_share(holder_id: int, entry: RevenueShareEntry) -> RevenueShareEntry:
    """Chain `entry` onto the holder's statement under the holder's advisory lock."""
    advisory_xact_lock(
        LockClass.REVENUE_SHARE, holder_id, fallback_rows=User.objects.filter(pk=holder_id)
    )
    last = (
        RevenueShareEntry.objects.filter(holder_id=holder_id)
        .order_by("-seq")
        .values("seq", "hash")
        .first()
    )
    seq, prev_hash = (last["seq"] + 1, last["hash"]) if last else (1, GENESIS_HASH)
    ledger.seal(entry, prev_hash=prev_hash, seq=seq)
    entry.save()
    return entry


def write_shares(spend: CreditEntry, uses: list[LicensedUse]) -> list[RevenueShareEntry]:
    """One `share` entry per licensed entity, in the spend's transaction."""
    default = Decimal(str(settings.RIGHTS_DEFAULT_SHARE_PERCENT))
    assert spend.job_id is not None  # a spend always names its job (credit_spend_has_job)
    written = []
    for use in uses:
        percent = Decimal(use.share_percent) if use.share_percent is not None else default
        credits = -spend.amount
        entry = RevenueShareEntry(
            holder_id=use.holder_id,
            kind=RevenueShareEntry.Kind.SHARE,
            entity_id=use.entity_id,
            job_id=spend.job_id,
            spend=spend,
            credits_spent=credits,
            share_percent=percent.quantize(CENT),
            amount=_share_amount(credits, percent),
            at=spend.at,
        )
        written.append(_append_share(use.holder_id, entry))
    return written


def reverse_shares(spend: CreditEntry) -> list[RevenueShareEntry]:
    """Take back every share of a refunded spend (once each: UniqueConstraint(job, entity,
    kind)). Should be called in the refund's transaction."""
    reversed_ids = set(
        RevenueShareEntry.objects.filter(
            spend=spend, kind=RevenueShareEntry.Kind.REVERSAL
        ).values_list("entity_id", flat=True)
    )
    written = []
    for share in RevenueShareEntry.objects.filter(spend=spend, kind=RevenueShareEntry.Kind.SHARE):
        if share.entity_id in reversed_ids:
            continue
        entry = RevenueShareEntry(
            holder_id=share.holder_id,
            kind=RevenueShareEntry.Kind.REVERSAL,
            entity_id=share.entity_id,
            job_id=share.job_id,
            spend=spend,
            credits_spent=share.credits_spent,
            share_percent=share.share_percent,
            amount=-share.amount,
        )
        written.append(_append_share(share.holder_id, entry))
    return written


# --- Statements -------------------------------------------------------------------------------


def statement_entries(holder: User):
    return RevenueShareEntry.objects.filter(holder=holder).select_related("entity").order_by("-seq")


def monthly_totals(holder: User) -> list[dict]:
    """Per UTC month: net credits owed (shares minus reversals) and the number of entries."""
    rows = (
        RevenueShareEntry.objects.filter(holder=holder)
        .annotate(month=TruncMonth("at", tzinfo=UTC))
        .values("month")
        .annotate(total=Sum("amount"), entries=Count("id"))
        .order_by("-month")
    )
    return [
        {
            "month": row["month"].strftime("%Y-%m"),
            "total": Decimal(row["total"]).quantize(CENT),
            "entries": row["entries"],
        }
        for row in rows
    ]


def verify_statement(holder: User) -> bool:
    entries = RevenueShareEntry.objects.filter(holder=holder).order_by("seq")
    return ledger.verify_chain(entries.iterator(chunk_size=500))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """ "2026-12" → [2026-12-01, 2027-01-01) in UTC; ValueError for anything else."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, datetime(end.year, end.month, 1, tzinfo=UTC)


CSV_COLUMNS = [
    "holder_id",
    "holder_handle",
    "seq",
    "at",
    "kind",
    "entity_id",
    "entity",
    "job_id",
    "credits_spent",
    "share_percent",
    "amount",
    "prev_hash",
    "hash",
]


def month_csv(month: str) -> str:
    """Every holder's statement entries of one UTC month, as CSV (the console's export)."""
    start, end = month_bounds(month)
    entries = (
        RevenueShareEntry.objects.filter(at__gte=start, at__lt=end)
        .select_related("holder", "entity")
        .order_by("holder_id", "seq")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        writer.writerow(
            [
                e.holder_id,
                e.holder.handle,
                e.seq,
                format_timestamp(e.at),
                e.kind,
                e.entity_id,
                e.entity.name,
                e.job_id,
                e.credits_spent,
                e.share_percent,
                e.amount,
                e.prev_hash,
                e.hash,
            ]
        )
    return out.getvalue()
