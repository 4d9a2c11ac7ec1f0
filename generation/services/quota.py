"""The daily generation quota: a ledger of charges and refunds, counted per UTC day."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
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


def quota_status(user: User) -> dict:
    used = used_today(user)
    limit = settings.GENERATION_DAILY_LIMIT
    return {
        "daily_limit": limit,
        "used_today": used,
        "remaining": max(limit - used, 0),
        "resets_at": next_reset(),
    }


def charge_quota(user: User, job: GenerationJob) -> QuotaEntry:
    """Charge one generation for `job`, or raise QuotaExceeded.

    Must be called inside a transaction holding SELECT FOR UPDATE on the user's row, so two
    concurrent creates cannot both see the last free slot.
    """
    day = utc_today()
    limit = settings.GENERATION_DAILY_LIMIT
    if used_today(user, day) >= limit:
        resets_at = next_reset()
        wait = max(int((resets_at - timezone.now()).total_seconds()), 1)
        raise QuotaExceeded(resets_at=resets_at, retry_after=wait, limit=limit)
    return QuotaEntry.objects.create(
        user=user, job=job, kind=QuotaEntry.Kind.CHARGE, amount=1, day=day
    )


def refund_quota(job: GenerationJob) -> bool:
    """Give back the job's charge, at most once (UniqueConstraint(job, kind)). True if refunded.

    The refund lands on the charge's day, so it frees the slot the charge took.
    """
    charge = QuotaEntry.objects.filter(job=job, kind=QuotaEntry.Kind.CHARGE).first()
    if charge is None:
        return False
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
