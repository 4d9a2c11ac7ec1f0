"""Read queries over the credit ledger (no state changes here)."""

from accounts.models import User
from billing import ledger
from billing.models import CreditEntry

LATEST_ENTRIES = 50


def latest_entries(user: User, limit: int = LATEST_ENTRIES) -> list[CreditEntry]:
    """The user's newest ledger entries, newest first (two joined rows, no N+1)."""
    return list(
        CreditEntry.objects.filter(account_id=user.pk)
        .select_related("reverses", "checkout")
        .order_by("-seq")[:limit]
    )


def entries_of(user: User):
    return CreditEntry.objects.filter(account_id=user.pk).select_related("reverses", "checkout")


def verify_credit_ledger(user: User) -> bool:
    """Recompute the user's whole credit chain; False at the first broken link."""
    chain = CreditEntry.objects.filter(account_id=user.pk).order_by("seq")
    return ledger.verify_chain(chain.iterator(chunk_size=500))
