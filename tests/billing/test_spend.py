"""Generations beyond the plan's daily allowance spend credits; failures and cancellations
refund them exactly once; too few credits is 402 with nothing written."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import CreditAccount, CreditEntry
from billing.services import refund_job, set_plan
from generation.models import GenerationJob, QuotaEntry
from generation.services.pipeline import fail_job
from generation.services.quota import refund_quota

pytestmark = pytest.mark.django_db


def _entries(user):
    return list(CreditEntry.objects.filter(account_id=user.pk).order_by("seq"))


def test_free_allowance_first_then_credits_priced_by_seconds_and_size(
    auth_client, user, give_credits, post_generation
):
    give_credits(user, 30)
    client = auth_client(user)
    free = post_generation(client, {"prompt": "A kite", "seconds": 4})
    assert free.status_code == 202
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1
    paid = post_generation(client, {"prompt": "A kite", "seconds": 8, "aspect": "16:9"})
    assert paid.status_code == 202
    spend = _entries(user)[-1]
    assert (spend.kind, spend.amount, spend.balance_after) == ("spend", -16, 14)  # 8 s x 2
    assert str(spend.job_id) == paid.json()["id"]
    assert QuotaEntry.objects.filter(user=user).count() == 1  # the paid job took no free slot
    body = client.get("/api/v1/me/credits", {"verify": "1"}).json()
    assert (body["plan"], body["daily_limit"], body["used_today"]) == ("free", 1, 1)
    assert body["balance"] == 14
    assert [e["kind"] for e in body["entries"]] == ["spend", "grant"]
    assert body["entries"][0]["job"] == paid.json()["id"]
    assert body["entries"][0]["at"].endswith("Z")
    assert body["valid"] is True


def test_too_few_credits_is_402_with_balance_and_price_and_writes_nothing(
    auth_client, user, give_credits, post_generation
):
    give_credits(user, 5)
    client = auth_client(user)
    assert post_generation(client, {"prompt": "Free one"}).status_code == 202
    jobs_before = GenerationJob.objects.count()
    response = post_generation(client, {"prompt": "Paid one", "seconds": 4, "aspect": "9:16"})
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "insufficient_credits"
    assert (body["balance"], body["price"]) == (5, 8)
    assert GenerationJob.objects.count() == jobs_before
    assert [e.kind for e in _entries(user)] == ["grant"]
    assert CreditAccount.objects.get(user=user).balance == 5


def test_no_credits_at_all_is_402_too(auth_client, user, post_generation):
    client = auth_client(user)
    assert post_generation(client, {"prompt": "Free one"}).status_code == 202
    response = post_generation(client, {"prompt": "Paid one", "seconds": 4})
    assert response.status_code == 402
    assert (response.json()["balance"], response.json()["price"]) == (0, 8)
    assert not CreditEntry.objects.exists()


def test_a_size_not_in_the_price_table_stays_429(
    settings, auth_client, user, give_credits, post_generation
):
    settings.CREDIT_PRICES = {"720x1280": 2}
    give_credits(user, 100)
    client = auth_client(user)
    assert post_generation(client, {"prompt": "Free one"}).status_code == 202
    response = post_generation(client, {"prompt": "Wide", "seconds": 4, "aspect": "16:9"})
    assert response.status_code == 429
    assert response.json()["code"] == "quota_exceeded"
    assert CreditAccount.objects.get(user=user).balance == 100


def test_the_plan_sets_the_daily_allowance(auth_client, user, post_generation):
    set_plan(user, "pro")
    client = auth_client(user)
    for i in range(3):
        assert post_generation(client, {"prompt": f"Pro {i}"}).status_code == 202
    assert post_generation(client, {"prompt": "Pro 4"}).status_code == 402
    quota = client.get("/api/v1/me/quota").json()
    assert (quota["daily_limit"], quota["used_today"]) == (3, 3)
    assert client.get("/api/v1/me/credits").json()["plan"] == "pro"


def test_free_plan_follows_generation_daily_limit(settings, auth_client, user):
    settings.GENERATION_DAILY_LIMIT = 7
    assert auth_client(user).get("/api/v1/me/credits").json()["daily_limit"] == 7


def test_cancelled_paid_job_refunds_once(auth_client, user, give_credits, post_generation):
    give_credits(user, 20)
    client = auth_client(user)
    post_generation(client, {"prompt": "Free"})
    job_id = post_generation(client, {"prompt": "Paid", "seconds": 4}).json()["id"]
    assert CreditAccount.objects.get(user=user).balance == 12
    assert client.post(f"/api/v1/generations/{job_id}/cancel").status_code == 200
    assert client.post(f"/api/v1/generations/{job_id}/cancel").status_code == 409
    assert refund_quota(GenerationJob(pk=job_id)) is False  # the pipeline's path, again
    assert refund_job(job_id) is None
    assert [e.kind for e in _entries(user)] == ["grant", "spend", "refund"]
    assert CreditAccount.objects.get(user=user).balance == 20


def test_failed_paid_job_refunds_once(auth_client, user, give_credits, post_generation):
    give_credits(user, 20)
    client = auth_client(user)
    post_generation(client, {"prompt": "Free"})
    job = GenerationJob.objects.get(pk=post_generation(client, {"prompt": "Paid"}).json()["id"])
    assert fail_job(job, "provider_error", "The model crashed.") is True
    assert fail_job(job, "provider_error", "The model crashed.") is False
    refund_quota(job)
    refunds = CreditEntry.objects.filter(job_id=job.pk, kind="refund")
    assert [r.amount for r in refunds] == [16]  # default 8 s x 2
    assert CreditAccount.objects.get(user=user).balance == 20


def test_a_second_refund_row_is_refused_by_the_database(user, give_credits):
    give_credits(user, 10)
    account = CreditAccount.objects.get(user=user)
    duplicate = CreditEntry(
        account=account,
        seq=99,
        kind="refund",
        amount=1,
        balance_after=11,
        job_id=uuid.uuid4(),
        prev_hash="0" * 64,
        hash="x",
    )
    duplicate.save()
    again = CreditEntry(
        account=account,
        seq=100,
        kind="refund",
        amount=1,
        balance_after=12,
        job_id=duplicate.job_id,
        prev_hash="0" * 64,
        hash="y",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()


def test_balance_cannot_go_below_zero_in_the_database(user, give_credits):
    give_credits(user, 3)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE billing_creditaccount SET balance = -1 WHERE user_id = %s", [user.pk]
        )


def test_ledger_rows_are_append_only(user, give_credits):
    entry = give_credits(user, 3)
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        CreditEntry.objects.filter(pk=entry.pk).update(amount=300)
    with pytest.raises(TypeError):
        CreditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_database_refuses_to_rewrite_the_ledger(user, give_credits):
    entry = give_credits(user, 3)
    for sql in (
        "UPDATE billing_creditentry SET amount = 300 WHERE id = %s",
        "DELETE FROM billing_creditentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert CreditEntry.objects.get(pk=entry.pk).amount == 3


def test_a_tampered_ledger_does_not_verify(user, give_credits):
    from billing.ledger import verify_chain

    give_credits(user, 3)
    give_credits(user, 4)
    entries = _entries(user)
    assert verify_chain(entries) is True
    entries[0].amount = 300  # what a rewrite in the database would look like when read back
    assert verify_chain(entries) is False
    assert verify_chain(_entries(user)[1:]) is False  # a removed first entry


def test_another_users_ledger_is_not_reachable(auth_client, user, other_user, give_credits):
    give_credits(user, 9)
    body = auth_client(other_user).get("/api/v1/me/credits").json()
    assert body["balance"] == 0
    assert body["entries"] == []


def test_me_credits_reads_a_fixed_number_of_queries(
    auth_client, user, give_credits, django_assert_max_num_queries
):
    for _ in range(12):
        give_credits(user, 1)
    client = auth_client(user)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/me/credits").json()["entries"]) == 12


def test_a_size_priced_at_zero_is_free_beyond_the_allowance(
    settings, auth_client, user, post_generation
):
    settings.CREDIT_PRICES = {"720x1280": 0}
    client = auth_client(user)
    assert post_generation(client, {"prompt": "Free one"}).status_code == 202
    assert post_generation(client, {"prompt": "Also free", "seconds": 4}).status_code == 202
    assert not CreditEntry.objects.exists()


def test_402_says_when_the_free_allowance_resets(auth_client, user, post_generation):
    client = auth_client(user)
    post_generation(client, {"prompt": "Free one"})
    body = post_generation(client, {"prompt": "Paid one"}).json()
    assert body["resets_at"].endswith("T00:00:00.000Z")
