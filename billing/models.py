"""Plans, the credit ledger, Stripe's side of purchases, and the rights holders' revenue share.

Two append-only, hash-chained ledgers (billing/ledger.py):
- `CreditEntry`, one chain per user (its `CreditAccount`): purchase, grant, spend, refund,
  expiry, reversal. The balance is the sum of the entries, kept in `CreditAccount.balance` by
  the same transaction that appends (CHECK balance >= 0, and every entry's `balance_after`).
- `RevenueShareEntry`, one chain per rights holder: a share of every paid generation that used
  their opted-in protected entity, written with the spend and reversed with its refund.
Rows are refused updates and deletes by the model, its queryset and, on PostgreSQL, a trigger
(migration 0001). The hashed fields hold ids, amounts and times, never names or emails, so
erasing an account never has to touch a chain (billing/receivers.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# Repeated as plain lists for the DB check constraints (a nested Meta cannot see the enums).
CREDIT_KINDS = ["purchase", "grant", "spend", "refund", "expiry", "reversal"]
SHARE_KINDS = ["share", "reversal"]


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} is append-only: rows are never updated.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} is append-only: rows are never deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} is append-only: rows are never deleted.")


class CreditAccount(models.Model):
    """A user's plan and credit balance, and the head of their ledger's chain.

    The row is the ledger's lock: every append takes it FOR UPDATE, so `seq` and `head_hash`
    advance one entry at a time and the balance check and the write see the same balance.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="credit_account",
    )
    plan = models.CharField(max_length=32, default="free")
    balance = models.BigIntegerField(default=0)
    seq = models.PositiveIntegerField(default=0, help_text="The last entry's seq.")
    head_hash = models.CharField(max_length=64, default="0" * 64)
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"credits of user {self.user_id}"


class CheckoutSession(models.Model):
    """A Stripe Checkout Session this server created for a pack (what the webhook matches)."""

    session_id = models.CharField(max_length=255, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkout_sessions"
    )
    pack = models.CharField(max_length=64)
    credits = models.PositiveIntegerField()
    amount = models.PositiveIntegerField(help_text="Minor units of `currency`.")
    currency = models.CharField(max_length=3)
    url = models.URLField(max_length=2000, blank=True)
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.session_id


class CreditEntry(AppendOnlyModel):
    class Kind(models.TextChoices):
        PURCHASE = "purchase"
        GRANT = "grant"  # an admin's grant (> 0) or revocation (< 0), with a reason
        SPEND = "spend"
        REFUND = "refund"  # a failed or cancelled job's spend given back
        EXPIRY = "expiry"  # credits that lapse (the whole balance when the account is erased)
        REVERSAL = "reversal"  # a purchase taken back (refunded or disputed at Stripe)

    account = models.ForeignKey(CreditAccount, on_delete=models.PROTECT, related_name="entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Credits, signed: + adds to the balance.")
    balance_after = models.BigIntegerField()
    # The generation job a spend or refund is for; no foreign key: the entry outlives the job.
    job_id = models.UUIDField(null=True, blank=True)
    checkout = models.ForeignKey(
        CheckoutSession, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    stripe_event_id = models.CharField(max_length=255, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_entries_made",
    )
    at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["account", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["account", "seq"], name="credit_entry_seq"),
            models.CheckConstraint(condition=Q(kind__in=CREDIT_KINDS), name="credit_entry_kind"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="credit_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["purchase", "refund"], amount__gt=0)
                    | Q(kind__in=["spend", "expiry", "reversal"], amount__lt=0)
                    | (Q(kind="grant") & ~Q(amount=0))
                ),
                name="credit_entry_amount_sign",
            ),
            # A job is charged once and refunded at most once.
            models.UniqueConstraint(
                fields=["job_id", "kind"], condition=Q(job_id__isnull=False), name="credit_job_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["spend", "refund"]) | Q(job_id__isnull=False),
                name="credit_spend_has_job",
            ),
            # A checkout is credited once, and a purchase reversed at most once.
            models.UniqueConstraint(
                fields=["checkout"], condition=Q(kind="purchase"), name="credit_purchase_once"
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(kind="reversal"),
                name="credit_reversal_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="grant") | ~Q(reason=""), name="credit_grant_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["account", "-seq"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} (#{self.seq} of user {self.account_id})"


class StripeEvent(models.Model):
    """Every verified webhook event, once (the primary key is Stripe's event id): a retried
    or replayed event finds its row and changes nothing. `payload` can hold the buyer's name
    and email (Stripe's customer details): erasing the account empties it."""

    event_id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(max_length=32)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class RevenueShareEntry(AppendOnlyModel):
    """One line of a rights holder's statement: their share of one paid generation that used
    their protected entity (kind `share`), or that share taken back with the job's refund."""

    class Kind(models.TextChoices):
        SHARE = "share"
        REVERSAL = "reversal"

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="revenue_share_entries"
    )
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    entity = models.ForeignKey(
        "moderation.ProtectedEntity", on_delete=models.PROTECT, related_name="revenue_shares"
    )
    job_id = models.UUIDField()
    spend = models.ForeignKey(CreditEntry, on_delete=models.PROTECT, related_name="shares")
    credits_spent = models.BigIntegerField()
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="Credits, signed.")
    at = models.DateTimeField(default=timezone.now)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["holder", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["holder", "seq"], name="revenue_share_seq"),
            models.UniqueConstraint(
                fields=["job_id", "entity", "kind"], name="revenue_share_once_per_job"
            ),
            models.CheckConstraint(condition=Q(kind__in=SHARE_KINDS), name="revenue_share_kind"),
            models.CheckConstraint(
                condition=Q(share_percent__gte=0, share_percent__lte=100),
                name="revenue_share_percent",
            ),
            models.CheckConstraint(
                condition=Q(kind="share", amount__gte=0) | Q(kind="reversal", amount__lte=0),
                name="revenue_share_amount_sign",
            ),
        ]
        indexes = [models.Index(fields=["holder", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} to user {self.holder_id} for {self.job_id}"
