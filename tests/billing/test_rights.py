"""The rights-holder revenue share: written with a paid generation's spend, reversed with its
refund, shown to the holder as a verifiable statement, exported by the console as CSV."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing.models import CreditEntry, RevenueShareEntry
from moderation.models import ProtectedEntity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _moderation_policy(settings):
    settings.GENERATION_PROMPT_CHECKS = ["moderation.policy.check_prompt"]
    settings.MODERATION_SEMANTIC_MODEL = False


@pytest.fixture
def holder(make_user):
    return make_user("studio")


@pytest.fixture
def entity(holder):
    return ProtectedEntity.objects.create(
        name="Captain Comet",
        kind="character",
        aliases=["the comet captain"],
        opted_in=True,
        rights_holder_account=holder,
        rights_share_percent=Decimal("25"),
    )


@pytest.fixture
def paying_client(auth_client, user, give_credits, post_generation):
    """Alice, with her free generation of the day used up and 100 credits."""
    give_credits(user, 100)
    client = auth_client(user)
    assert post_generation(client, {"prompt": "A quiet harbour"}).status_code == 202
    return client


def test_paid_generation_with_the_entity_pays_the_holder_in_the_same_transaction(
    paying_client, entity, holder, post_generation
):
    response = post_generation(
        paying_client, {"prompt": "Captain Comet flies over a city", "seconds": 8}
    )
    assert response.status_code == 202
    spend = CreditEntry.objects.get(kind="spend")
    [share] = RevenueShareEntry.objects.all()
    assert share.spend == spend
    assert (share.holder, share.entity, share.kind) == (holder, entity, "share")
    assert str(share.job_id) == response.json()["id"]
    assert share.credits_spent == 16
    assert share.amount == Decimal("4.00")  # 25 % of 16 credits


def test_an_alias_in_a_storyboard_field_counts_too(paying_client, entity, post_generation):
    body = {
        "prompt": "A night sky",
        "seconds": 4,
        "storyboard": [
            {"seconds": 4, "camera": "static", "subject": "the comet captain", "action": "waves"}
        ],
    }
    assert post_generation(paying_client, body).status_code == 202
    assert RevenueShareEntry.objects.count() == 1


def test_default_share_applies_when_the_entity_sets_none(
    settings, paying_client, entity, post_generation
):
    settings.RIGHTS_DEFAULT_SHARE_PERCENT = "12.5"
    ProtectedEntity.objects.filter(pk=entity.pk).update(rights_share_percent=None)
    post_generation(paying_client, {"prompt": "Captain Comet at dawn", "seconds": 4})
    share = RevenueShareEntry.objects.get()
    assert (share.share_percent, share.amount) == (Decimal("12.50"), Decimal("1.00"))


def test_free_generations_and_other_prompts_pay_no_share(
    auth_client, user, entity, post_generation, paying_client
):
    post_generation(paying_client, {"prompt": "A lighthouse in fog"})  # paid, no entity
    assert RevenueShareEntry.objects.count() == 0
    assert CreditEntry.objects.filter(kind="spend").count() == 1


def test_an_entity_without_opt_in_is_blocked_and_pays_nothing(
    paying_client, entity, post_generation
):
    ProtectedEntity.objects.filter(pk=entity.pk).update(opted_in=False)
    response = post_generation(paying_client, {"prompt": "Captain Comet again"})
    assert response.json()["status"] == "blocked"
    assert not CreditEntry.objects.filter(kind="spend").exists()
    assert not RevenueShareEntry.objects.exists()


def test_too_few_credits_writes_no_share(
    auth_client, make_user, entity, post_generation, give_credits
):
    poor = make_user("poor")
    give_credits(poor, 3)
    client = auth_client(poor)
    post_generation(client, {"prompt": "Free first"})
    response = post_generation(client, {"prompt": "Captain Comet", "seconds": 8})
    assert response.status_code == 402
    assert not RevenueShareEntry.objects.exists()


def test_a_refund_reverses_the_share_once(
    paying_client, entity, holder, post_generation, auth_client
):
    job_id = post_generation(paying_client, {"prompt": "Captain Comet", "seconds": 4}).json()["id"]
    assert paying_client.post(f"/api/v1/generations/{job_id}/cancel").status_code == 200
    kinds = list(RevenueShareEntry.objects.order_by("seq").values_list("kind", "amount"))
    assert kinds == [("share", Decimal("2.00")), ("reversal", Decimal("-2.00"))]
    reversal = RevenueShareEntry.objects.get(kind="reversal")
    duplicate = RevenueShareEntry(
        holder=holder,
        seq=99,
        kind="reversal",
        entity=entity,
        job_id=reversal.job_id,
        spend=reversal.spend,
        credits_spent=8,
        share_percent=25,
        amount=Decimal("-2"),
        prev_hash="0" * 64,
        hash="x",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    body = auth_client(holder).get("/api/v1/rights/statements?verify=1").json()
    assert body["valid"] is True
    assert body["totals"][0]["total"] == "0.00"


def test_statement_shows_entries_and_monthly_totals(
    paying_client, entity, holder, auth_client, post_generation, django_assert_max_num_queries
):
    for i in range(3):
        post_generation(paying_client, {"prompt": f"Captain Comet scene {i}", "seconds": 4})
    client = auth_client(holder)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/rights/statements", {"verify": "true"})
    assert response.status_code == 200
    body = response.json()
    assert [e["seq"] for e in body["entries"]] == [3, 2, 1]
    assert body["entries"][0]["entity"] == "Captain Comet"
    assert body["entries"][0]["at"].endswith("Z")
    [month] = body["totals"]
    assert (month["total"], month["entries"]) == ("6.00", 3)
    assert body["valid"] is True
    this_month = body["entries"][0]["at"][:7]
    filtered = client.get("/api/v1/rights/statements", {"month": this_month}).json()
    assert len(filtered["entries"]) == 3
    assert client.get("/api/v1/rights/statements", {"month": "1999-01"}).json()["entries"] == []


def test_bad_month_is_400(entity, holder, auth_client):
    response = auth_client(holder).get("/api/v1/rights/statements", {"month": "12/2026"})
    assert response.status_code == 400
    assert "month" in response.json()


def test_another_user_gets_no_statement(
    paying_client, entity, auth_client, other_user, post_generation
):
    post_generation(paying_client, {"prompt": "Captain Comet", "seconds": 4})
    assert auth_client(other_user).get("/api/v1/rights/statements").status_code == 404


def test_a_holder_generating_their_own_character_pays_no_share_to_themselves(
    auth_client, holder, entity, give_credits, post_generation
):
    give_credits(holder, 50)
    client = auth_client(holder)
    post_generation(client, {"prompt": "Free first"})
    assert post_generation(client, {"prompt": "Captain Comet", "seconds": 4}).status_code == 202
    assert not RevenueShareEntry.objects.exists()


def test_console_exports_a_month_as_csv(
    paying_client, entity, holder, admin_user, client, post_generation
):
    post_generation(paying_client, {"prompt": "Captain Comet", "seconds": 4})
    share = RevenueShareEntry.objects.get()
    client.force_login(admin_user)
    month = share.at.strftime("%Y-%m")
    response = client.get("/admin/billing/revenueshareentry/export/", {"month": month})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"rights-statements-{month}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["holder_handle"] == "studio"
    assert rows[0]["amount"] == "2.00"
    assert rows[0]["hash"] == share.hash
    assert client.get("/admin/billing/revenueshareentry/export/", {"month": "x"}).status_code == 400
    assert client.get("/admin/billing/revenueshareentry/").status_code == 200


def test_the_csv_export_is_staff_only(client, user):
    client.force_login(user)
    response = client.get("/admin/billing/revenueshareentry/export/", {"month": "2026-12"})
    assert response.status_code == 302  # to the console's login page


def test_share_percent_above_100_is_refused_by_the_database(holder):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProtectedEntity.objects.create(
            name="Too Greedy",
            kind="brand",
            rights_holder_account=holder,
            rights_share_percent=Decimal("100.5"),
        )


def test_an_erased_holder_is_paid_no_new_share_and_keeps_the_statement(
    paying_client, entity, holder, post_generation
):
    from accounts.signals import user_erased

    post_generation(paying_client, {"prompt": "Captain Comet", "seconds": 4})
    with transaction.atomic():
        user_erased.send(sender=type(holder), user=holder)
    entity.refresh_from_db()
    assert entity.rights_holder_account is None
    post_generation(paying_client, {"prompt": "Captain Comet returns", "seconds": 4})
    assert RevenueShareEntry.objects.count() == 1  # the earned entry stays, no new one
