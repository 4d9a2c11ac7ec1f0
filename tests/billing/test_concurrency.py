"""Real concurrency on PostgreSQL: concurrent paid generations never take a balance below zero
and charge each job once; concurrent webhook deliveries of one event credit once."""

import json
import threading

import pytest
import stripe
from django.db import connection
from django.test import Client

from billing.models import CreditAccount, CreditEntry
from billing.services import refund_job
from generation.models import GenerationJob
from generation.services import create_job
from tests.billing.conftest import WEBHOOK_SECRET, stripe_event

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    # Only creation and charging race here; the jobs themselves are not run.
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


def test_concurrent_paid_generations_never_overdraw(user, settings, give_credits):
    from billing.exceptions import InsufficientCredits

    settings.GENERATION_DAILY_LIMIT = 0  # every generation is paid: 4 s x 2 = 8 credits
    give_credits(user, 30)  # enough for three
    results, errors = _race(
        10,
        lambda i: create_job(user, prompt=f"Kite {i}", seconds=4, idempotency_key=f"paid-{i}"),
    )
    assert len(results) == 3
    assert len(errors) == 7 and all(isinstance(e, InsufficientCredits) for e in errors)
    assert CreditAccount.objects.get(user=user).balance == 6
    spends = CreditEntry.objects.filter(kind="spend")
    assert spends.count() == 3 == GenerationJob.objects.filter(user=user).count()
    assert sum(CreditEntry.objects.values_list("amount", flat=True)) == 6
    assert sorted(CreditEntry.objects.values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_concurrent_refunds_of_one_job_refund_once(user, settings, give_credits):
    settings.GENERATION_DAILY_LIMIT = 0
    give_credits(user, 8)
    job, _ = create_job(user, prompt="Kite", seconds=4, idempotency_key="refund-race")
    results, errors = _race(6, lambda i: refund_job(job.pk))
    assert errors == []
    assert sum(r is not None for r in results) == 1
    assert CreditEntry.objects.filter(kind="refund").count() == 1
    assert CreditAccount.objects.get(user=user).balance == 8


def test_concurrent_deliveries_of_one_event_credit_once(user):
    event = stripe_event(
        "checkout.session.completed",
        {
            "id": "cs_race",
            "client_reference_id": str(user.pk),
            "metadata": {"pack": "starter"},
            "payment_status": "paid",
            "payment_intent": "pi_race",
        },
    )
    payload = json.dumps(event)

    def deliver(i):
        signature = stripe.WebhookSignature.generate_signature_header(payload, WEBHOOK_SECRET)
        response = Client().generic(
            "POST",
            "/api/v1/billing/webhook",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        return response.status_code, response.json()["outcome"]

    results, errors = _race(6, deliver)
    assert errors == []
    assert sorted(results).count((200, "credited")) == 1
    assert CreditAccount.objects.get(user=user).balance == 100
