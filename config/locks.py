"""The one home of database locks (Saleor's `core/db/locks.py`): advisory lock classes and the
helpers that take a lock, each asserting it runs inside a transaction (a lock taken outside
one is released at once and protects nothing).

Lock order, kept everywhere so concurrent operations cannot deadlock on our rows (each app's
`lock_objects.py` refers here):

1. the acting user's row (job creation: `generation.lock_objects.lock_job_creator`);
2. the job row (`generation.lock_objects.lock_job`), then the video row
   (`feed.lock_objects.lock_video`);
3. cameo rows (the use check, `accounts.services.cameos`);
4. the cameo owner's consent ledger (advisory `LockClass.LEDGER`, taken by the ledger append);
5. the user's credit account row (`billing.services.lock_account`: spend, refund, grant,
   purchase), then a rights holder's statement (advisory `LockClass.REVENUE_SHARE`).
"""

import enum

from django.db import connection
from django.db.models import QuerySet


class LockClass(enum.IntEnum):
    """Namespaces of `pg_advisory_xact_lock(class, key)`. Never renumber a member: a running
    server of the previous release takes the same number for the same lock."""

    LEDGER = 0x4C454447  # "LEDG": one consent ledger per cameo owner (key: the owner's pk)
    REVENUE_SHARE = 0x52475354  # "RGST": one revenue-share chain per rights holder (holder pk)


def require_transaction() -> None:
    """Raise unless inside `transaction.atomic()`: the caller's locks would be released at once."""
    if not connection.in_atomic_block:
        raise RuntimeError("A lock must be taken inside transaction.atomic().")


def advisory_xact_lock(lock_class: LockClass, key: int, *, fallback_rows: QuerySet) -> None:
    """Hold advisory lock (`lock_class`, `key`) until the transaction ends. Databases without
    advisory locks (SQLite) lock `fallback_rows` instead (SQLite serialises writers anyway)."""
    require_transaction()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [int(lock_class), key % 2_147_483_647]
            )
    else:
        lock_rows(fallback_rows)


def lock_rows(queryset: QuerySet) -> None:
    """SELECT … FOR UPDATE the rows of `queryset` without loading them (only their pks)."""
    require_transaction()
    list(queryset.select_for_update().values_list("pk", flat=True))
