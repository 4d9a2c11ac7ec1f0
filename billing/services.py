"""Plans and the credit ledger: every change of a balance goes through `_append`.

`_append` runs under the account row's lock (`lock_account`), writes one chained entry and
the new balance in the same transaction; the database refuses a negative balance (CHECK on
both the account and the entry), so even a caller that skipped the check could not overdraw.

Lock order (config/locks.py): the acting user's row (job creation) → this account row → a
rights holder's statement chain (billing/rights.py).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import User
from billing import ledger
from billing.exceptions import InsufficientCredits, NothingToReverse, UnknownPack
from billing.models import CheckoutSession, CreditAccount, CreditEntry
from config.locks import require_transaction

logger = logging.getLogger(__name__)
Kind = CreditEntry.Kind


@dataclass(frozen=True)
class Plan:
    name: str
    daily_limit: int


def plan_named(name: str) -> Plan:
    """A plan from settings.PLANS (an unknown name, e.g. one removed from the settings since,
    falls back to the default plan); the free plan's allowance is GENERATION_DAILY_LIMIT."""
    plans = settings.PLANS
    if name not in plans:
        name = settings.DEFAULT_PLAN
    limit = plans[name].get("daily_limit", settings.GENERATION_DAILY_LIMIT)
    return Plan(name=name, daily_limit=int(limit))


def plan_of(user: User) -> Plan:
    plan = CreditAccount.objects.filter(user_id=user.pk).values_list("plan", flat=True).first()
    return plan_named(plan or settings.DEFAULT_PLAN)


def price_for(*, seconds: int, size: str) -> int | None:
    """Credits a generation of `seconds` at `size` costs beyond the allowance; None when this
    size is not for sale (CREDIT_PRICES leaves it out)."""
    per_second = settings.CREDIT_PRICES.get(size)
    return None if per_second is None else int(per_second) * int(seconds)


def pack_named(pack_id) -> dict:
    """The pack from the server's own table (never from a client or an event), or 400."""
    pack = settings.CREDIT_PACKS.get(pack_id) if isinstance(pack_id, str) else None
    if pack is None:
        raise UnknownPack()
    return {"id": pack_id, **pack}


# --- Accounts ------------------------------------------------------------------------------


def open_account(user: User) -> CreditAccount:
    """The user's credit account, opened (with SIGNUP_CREDITS granted once) on first need."""
    account = CreditAccount.objects.filter(user_id=user.pk).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            account = CreditAccount.objects.create(user_id=user.pk, plan=settings.DEFAULT_PLAN)
            if settings.SIGNUP_CREDITS > 0:
                locked = CreditAccount.objects.select_for_update().get(pk=account.pk)
                _append(locked, kind=Kind.GRANT, amount=settings.SIGNUP_CREDITS, reason="signup")
                account.refresh_from_db()
    except IntegrityError:  # opened concurrently: the other transaction's row (and grant) stands
        account = CreditAccount.objects.get(user_id=user.pk)
    return account


def lock_account(user_id) -> CreditAccount:
    """The user's account row, opened if needed and locked FOR UPDATE until the transaction
    ends: the ledger's lock (seq, head hash and balance advance together under it)."""
    require_transaction()
    if not CreditAccount.objects.filter(user_id=user_id).exists():
        open_account(User(pk=user_id))
    return CreditAccount.objects.select_for_update().get(user_id=user_id)


def _append(account: CreditAccount, *, kind: str, amount: int, **fields) -> CreditEntry:
    """Append one entry and move the balance. Should be called while holding
    `lock_account`'s lock on `account` (a fresh row read under it)."""
    require_transaction()
    balance = account.balance + amount
    if balance < 0:
        raise InsufficientCredits(balance=account.balance, price=-amount)
    entry = CreditEntry(
        account=account,
        kind=kind,
        amount=amount,
        balance_after=balance,
        at=timezone.now(),
        **fields,
    )
    ledger.seal(entry, prev_hash=account.head_hash, seq=account.seq + 1)
    entry.save()
    account.balance, account.seq, account.head_hash = balance, entry.seq, entry.hash
    account.updated_at = entry.at
    account.save(update_fields=["balance", "seq", "head_hash", "updated_at"])
    return entry


def balance_of(user: User) -> int:
    value = CreditAccount.objects.filter(user_id=user.pk).values_list("balance", flat=True).first()
    return value or 0


# --- Spending on generations ----------------------------------------------------------------


def spend_for_job(
    user: User, job, *, price: int, texts: list[tuple[str, str]], resets_at: datetime | None
) -> CreditEntry | None:
    """Pay for a generation beyond the daily allowance, or raise 402 insufficient_credits
    having written nothing. Writes the rights holders' shares in the same transaction.

    Should be called inside job creation's transaction, after the job row is saved. A price
    of 0 (CREDIT_PRICES may make a size free) writes nothing and returns None.
    """
    from billing.rights import licensed_uses, write_shares

    if price <= 0:
        return None
    account = lock_account(user.pk)
    if account.balance < price:
        raise InsufficientCredits(balance=account.balance, price=price, resets_at=resets_at)
    entry = _append(account, kind=Kind.SPEND, amount=-price, job_id=job.pk)
    write_shares(entry, licensed_uses(user=user, texts=texts))
    return entry


def refund_job(job_id) -> CreditEntry | None:
    """Give back a failed or cancelled job's spend, at most once (UniqueConstraint(job_id,
    kind) backs the check), reversing its revenue shares with it. None when nothing to do."""
    from billing.rights import reverse_shares

    job_id = uuid.UUID(str(job_id))
    spend = CreditEntry.objects.filter(job_id=job_id, kind=Kind.SPEND).first()
    if spend is None:
        return None
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update().get(pk=spend.account_id)
        if CreditEntry.objects.filter(job_id=job_id, kind=Kind.REFUND).exists():
            return None
        refund = _append(account, kind=Kind.REFUND, amount=-spend.amount, job_id=job_id)
        reverse_shares(spend)
    return refund


# --- Admin: grants, plans, refunds -----------------------------------------------------------


def grant_credits(user: User, amount: int, *, reason: str, actor: User) -> CreditEntry:
    """An admin's grant (amount > 0) or revocation (< 0) with a reason; a revocation cannot
    take the balance below zero (400 naming `amount`). The entry (actor, reason) is the audit
    record, chained with the rest of the ledger."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["A reason is required."]})
    if amount == 0:
        raise ValidationError({"amount": ["Grant or revoke at least one credit."]})
    with transaction.atomic():
        account = lock_account(user.pk)
        if account.balance + amount < 0:
            raise ValidationError({"amount": [f"The balance is only {account.balance}."]})
        return _append(account, kind=Kind.GRANT, amount=amount, reason=reason[:500], actor=actor)


def set_plan(user: User, plan: str) -> CreditAccount:
    if plan not in settings.PLANS:
        raise ValidationError({"plan": [f"No plan named {plan!r}."]})
    with transaction.atomic():
        account = lock_account(user.pk)
        account.plan = plan
        account.updated_at = timezone.now()
        account.save(update_fields=["plan", "updated_at"])
    return account


# --- Purchases (the Stripe webhook's side; billing/stripe_gateway.py talks to Stripe) --------


def record_checkout(user: User, pack: dict, *, session_id: str, url: str) -> CheckoutSession:
    return CheckoutSession.objects.create(
        session_id=session_id,
        user=user,
        pack=pack["id"],
        credits=pack["credits"],
        amount=pack["price"],
        currency=pack["currency"],
        url=url[:2000],
    )


def credit_purchase(
    user: User, pack: dict, *, session_id: str, payment_intent: str, event_id: str
) -> CreditEntry | None:
    """Add a paid pack's credits (the server's own `pack`, never amounts from the event), once
    per Checkout Session. None when that session was credited already.

    Should be called inside the webhook's transaction (with the StripeEvent row)."""
    session, _ = CheckoutSession.objects.get_or_create(
        session_id=session_id,
        defaults={
            "user": user,
            "pack": pack["id"],
            "credits": pack["credits"],
            "amount": pack["price"],
            "currency": pack["currency"],
        },
    )
    if session.user_id != user.pk:  # a session this server made for someone else
        raise ValidationError({"client_reference_id": ["Not the session's buyer."]})
    account = lock_account(user.pk)
    if session.entries.filter(kind=Kind.PURCHASE).exists():
        return None
    CheckoutSession.objects.filter(pk=session.pk).update(
        completed_at=timezone.now(), payment_intent=payment_intent or session.payment_intent
    )
    return _append(
        account,
        kind=Kind.PURCHASE,
        amount=session.credits,
        checkout=session,
        stripe_event_id=event_id,
    )


def reverse_purchase(
    purchase: CreditEntry, *, reason: str, event_id: str = "", actor: User | None = None
) -> CreditEntry | None:
    """Take a refunded or disputed purchase back, once (UniqueConstraint on `reverses`).

    The balance never goes below zero: what was already spent stays spent and the reversal
    takes back what is left of the pack (the shortfall is in the reason). None when it was
    reversed already or nothing is left to take."""
    if purchase.kind != Kind.PURCHASE:
        raise NothingToReverse("Only a purchase can be reversed.")
    with transaction.atomic():
        account = CreditAccount.objects.select_for_update().get(pk=purchase.account_id)
        if purchase.reversed_by.exists():
            return None
        take = min(purchase.amount, account.balance)
        if take <= 0:
            logger.warning("purchase %s reversed with nothing left to take", purchase.pk)
            return None
        if take < purchase.amount:
            reason = f"{reason} ({purchase.amount - take} credits already spent)"
        return _append(
            account,
            kind=Kind.REVERSAL,
            amount=-take,
            reverses=purchase,
            checkout_id=purchase.checkout_id,
            stripe_event_id=event_id,
            reason=reason[:500],
            actor=actor,
        )


def purchase_for_payment(payment_intent: str) -> CreditEntry | None:
    if not payment_intent:
        return None
    return CreditEntry.objects.filter(
        kind=Kind.PURCHASE, checkout__payment_intent=payment_intent
    ).first()


# --- Erasure --------------------------------------------------------------------------------


def close_account_for_erasure(user: User) -> None:
    """What erasing an account does to its credits (billing/receivers.py): the remaining
    balance lapses as an `expiry` entry (credits are not refundable money), the plan returns
    to the default, and the accounting rows stay (they hold no personal data). Stripe's event
    payloads, which can carry the buyer's name and email, are emptied."""
    from billing.models import StripeEvent

    if CreditAccount.objects.filter(user_id=user.pk).exists():
        account = lock_account(user.pk)
        if account.balance > 0:
            _append(account, kind=Kind.EXPIRY, amount=-account.balance, reason="account erased")
        account.plan = settings.DEFAULT_PLAN
        account.save(update_fields=["plan"])
    StripeEvent.objects.filter(user_id=user.pk).update(payload={})
    CheckoutSession.objects.filter(user_id=user.pk).update(url="")
