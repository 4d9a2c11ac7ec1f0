"""config.locks: advisory lock classes keep their numbers; a lock outside a transaction fails."""

import pytest
from django.db import connection, transaction

from accounts.models import User
from config.locks import LockClass, advisory_xact_lock, lock_rows
from tests.factories import UserFactory


def test_the_ledger_lock_class_keeps_its_number():
    # a server of the previous release takes this number for the same lock: never renumber
    assert LockClass.LEDGER == 0x4C454447


@pytest.mark.django_db(transaction=True)
def test_a_lock_outside_a_transaction_is_refused():
    user = UserFactory()
    with pytest.raises(RuntimeError, match="transaction"):
        lock_rows(User.objects.filter(pk=user.pk))
    with pytest.raises(RuntimeError, match="transaction"):
        advisory_xact_lock(LockClass.LEDGER, user.pk, fallback_rows=User.objects.none())


def _advisory_locks_held() -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT classid::bigint, objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        )
        return [tuple(row) for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_an_advisory_lock_is_held_until_the_transaction_ends():
    user = UserFactory()
    if connection.vendor != "postgresql":
        # SQLite: the fallback rows are locked and the call succeeds inside a transaction
        with transaction.atomic():
            advisory_xact_lock(LockClass.LEDGER, user.pk, fallback_rows=User.objects.all())
            assert connection.in_atomic_block
        return
    with transaction.atomic():
        advisory_xact_lock(LockClass.LEDGER, user.pk, fallback_rows=User.objects.none())
        assert (int(LockClass.LEDGER), user.pk) in _advisory_locks_held()
    assert _advisory_locks_held() == []
