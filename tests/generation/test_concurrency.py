"""Real concurrency on PostgreSQL: one job per Idempotency-Key, never more charges than the
daily limit, whatever the interleaving."""

import threading

import pytest
from django.db import connection

from generation.exceptions import QuotaExceeded
from generation.models import GenerationJob, QuotaEntry
from generation.services import create_job

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    # Only creation races here; the jobs themselves are not run.
    monkeypatch.setattr("generation.services.jobs._enqueue", lambda job_id: None)


def _race(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results.append(target(i))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_concurrent_creates_with_one_key_make_one_job_and_one_charge(user):
    results, errors = _race(
        8,
        lambda i: create_job(user, prompt="A kite", seconds=4, seed=1, idempotency_key="same-key"),
    )
    assert errors == []
    assert len({job.pk for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1


def test_concurrent_creates_never_exceed_the_daily_limit(user, settings):
    settings.GENERATION_DAILY_LIMIT = 3
    settings.CREDIT_PRICES = {}  # no credits for sale (tests/billing races paid ones)
    results, errors = _race(
        10,
        lambda i: create_job(user, prompt=f"Kite {i}", seconds=4, idempotency_key=f"key-{i}"),
    )
    assert len(results) == 3
    assert len(errors) == 7
    assert all(isinstance(e, QuotaExceeded) for e in errors)
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 3
    assert GenerationJob.objects.filter(user=user).count() == 3
