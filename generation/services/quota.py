"""The daily generation quota: a ledger of charges and refunds, counted per UTC day.

The allowance is the user's plan's (billing's PLANS; the free plan's is GENERATION_DAILY_LIMIT).
Beyond it a generation is paid in credits (billing.services.spend_for_job), priced by seconds
and size from CREDIT_PRICES; a size the table leaves out is not for sale and stays 429.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from billing import services as billing
from generation.exceptions import QuotaExceeded
from generation.models import GenerationJob, QuotaEntry


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


def next_reset(now: datetime | None = None) -> datetime:
    """When today's (UTC) quota resets: the next UTC midnight."""
    now = (now or timezone.now()).astimezone(UTC)
    return datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=UTC)


def used_today(user: User, day: date | None = None) -> int:
    day = day or utc_today()
    total = QuotaEntry.objects.filter(user=user, day=day).aggregate(total=Sum("amount"))["total"]
    return max(total or 0, 0)


def daily_limit(user: User) -> int:
    """The allowance of the user's plan (billing's PLANS)."""
    return billing.plan_of(user).daily_limit


def quota_status(user: User) -> dict:
    used = used_today(user)
    limit = daily_limit(user)
    return {
        "daily_limit": limit,
        "used_today": used,
        "remaining": max(limit - used, 0),
        "resets_at": next_reset(),
    }


def credits_status(user: User, *, verify: bool = False) -> dict:
    """GET me/credits: the plan, today's allowance, the balance and the latest entries."""
    from billing.selectors import latest_entries, verify_credit_ledger

    plan = billing.plan_of(user)
    status = {
        "plan": plan.name,
        "daily_limit": plan.daily_limit,
        "used_today": used_today(user),
        "resets_at": next_reset(),
        "balance": billing.balance_of(user),
        "prices": dict(settings.CREDIT_PRICES),
        "entries": latest_entries(user),
    }
    if verify:
        status["valid"] = verify_credit_ledger(user)
    return status


def charge_quota(
    user: User,
    job: GenerationJob,
    *,
    texts: list[tuple[str, str]] | None = None,
) -> QuotaEntry | None:
    """Charge `job` to today's allowance, or beyond it to the user's credits; raise
    QuotaExceeded (429) when the job's size is not for sale, InsufficientCredits (402) when
    the balance cannot pay. Returns the quota entry, or None when the job was paid in credits.

    Must be called inside a transaction holding SELECT FOR UPDATE on the user's row (after
    `job` is saved), so two concurrent creates cannot both see the last free slot. `texts` are
    the job's user texts: the rights holders a paid job pays are found in them.
    A job that renders less than it lasts (an extension, an edit) is priced by its
    `billed_seconds`.
    """
    day = utc_today()
    limit = daily_limit(user)
    if used_today(user, day) < limit:
        return QuotaEntry.objects.create(
            user=user, job=job, kind=QuotaEntry.Kind.CHARGE, amount=1, day=day
        )
    resets_at = next_reset()
    price = billing.price_for(seconds=job.billed_seconds or job.seconds, size=job.size)
    if price is None:
        wait = max(int((resets_at - timezone.now()).total_seconds()), 1)
        raise QuotaExceeded(resets_at=resets_at, retry_after=wait, limit=limit)
    billing.spend_for_job(user, job, price=price, texts=texts or [], resets_at=resets_at)
    return None


def refund_quota(job: GenerationJob) -> bool:
    """Give back the job's charge, at most once (UniqueConstraint(job, kind)). True if refunded.

    The refund lands on the charge's day, so it frees the slot the charge took; a job paid in
    credits gets its credits back instead (once: billing's UniqueConstraint(job_id, kind)).
    """
    charge = QuotaEntry.objects.filter(job=job, kind=QuotaEntry.Kind.CHARGE).first()
    if charge is None:
        return billing.refund_job(job.pk) is not None
    try:
        with transaction.atomic():
            _, created = QuotaEntry.objects.get_or_create(
                job=job,
                kind=QuotaEntry.Kind.REFUND,
                defaults={"user_id": charge.user_id, "amount": -1, "day": charge.day},
            )
    except IntegrityError:  # a concurrent refund won the race
        return False
    return created
