"""The console: a user's ledger, grants and revocations with a reason (audit-logged), and
refunding a purchase through Stripe."""

import pytest
from django.contrib.admin.models import LogEntry

from billing.models import CreditAccount, CreditEntry
from billing.services import open_account
from tests.billing.conftest import stripe_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, admin_user):
    client.force_login(admin_user)
    return client


def test_grant_and_revoke_with_a_reason_are_on_the_ledger_and_the_admin_log(
    console, user, admin_user
):
    open_account(user)
    url = f"/admin/billing/creditaccount/{user.pk}/grant/"
    assert console.get(url).status_code == 200
    response = console.post(url, {"amount": "40", "reason": "apology for an outage"})
    assert response.status_code == 302
    response = console.post(url, {"amount": "-15", "reason": "granted twice by mistake"})
    assert response.status_code == 302
    entries = list(CreditEntry.objects.order_by("seq"))
    assert [(e.kind, e.amount, e.reason, e.actor) for e in entries] == [
        ("grant", 40, "apology for an outage", admin_user),
        ("grant", -15, "granted twice by mistake", admin_user),
    ]
    assert CreditAccount.objects.get(user=user).balance == 25
    logged = LogEntry.objects.filter(object_id=str(user.pk)).values_list(
        "change_message", flat=True
    )
    assert any("apology for an outage" in message for message in logged)
    page = console.get(f"/admin/billing/creditaccount/{user.pk}/change/")
    assert b"granted twice by mistake" in page.content  # the user's ledger, inline


def test_revoking_more_than_the_balance_or_without_a_reason_changes_nothing(console, user):
    open_account(user)
    url = f"/admin/billing/creditaccount/{user.pk}/grant/"
    too_much = console.post(url, {"amount": "-1", "reason": "clawback"})
    assert too_much.status_code == 200
    assert b"The balance is only 0" in too_much.content
    no_reason = console.post(url, {"amount": "5", "reason": "  "})
    assert no_reason.status_code == 200
    assert not CreditEntry.objects.exists()


def test_moderators_without_billing_rights_cannot_grant(client, make_user, user):
    open_account(user)
    staff = make_user("mod", is_staff=True)
    client.force_login(staff)
    response = client.post(
        f"/admin/billing/creditaccount/{user.pk}/grant/", {"amount": "9", "reason": "x"}
    )
    assert response.status_code == 403
    assert not CreditEntry.objects.exists()


def test_refund_a_purchase_through_stripe(console, user, post_webhook, stripe_server):
    session = {
        "id": "cs_admin",
        "client_reference_id": str(user.pk),
        "metadata": {"pack": "starter"},
        "payment_status": "paid",
        "payment_intent": "pi_admin",
    }
    post_webhook(stripe_event("checkout.session.completed", session))
    purchase = CreditEntry.objects.get(kind="purchase")
    action = {"action": "refund_purchases", "_selected_action": [purchase.pk]}
    assert console.post("/admin/billing/creditentry/", action).status_code == 302
    [call] = stripe_server.calls("/v1/refunds")
    assert call["form"] == {"payment_intent": "pi_admin"}
    reversal = CreditEntry.objects.get(kind="reversal")
    assert (reversal.amount, reversal.reverses) == (-100, purchase)
    # Stripe then sends charge.refunded: already reversed, nothing more taken.
    refunded = post_webhook(stripe_event("charge.refunded", {"payment_intent": "pi_admin"}))
    assert refunded.json()["outcome"] == "already_reversed"
    console.post("/admin/billing/creditentry/", action)
    assert len(stripe_server.calls("/v1/refunds")) == 1
    assert CreditAccount.objects.get(user=user).balance == 0
