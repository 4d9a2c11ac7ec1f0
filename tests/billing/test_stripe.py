"""Buying credit packs through Stripe: Checkout Sessions against a loopback server that speaks
Stripe's API (the official SDK talks to it), webhooks signed with the test's own secret."""

import time

import pytest

from billing.models import CheckoutSession, CreditAccount, CreditEntry, StripeEvent
from tests.billing.conftest import stripe_event

pytestmark = pytest.mark.django_db


def _balance(user) -> int:
    account = CreditAccount.objects.filter(user=user).first()
    return account.balance if account else 0


def _paid_session(user, pack="starter", *, session_id="cs_test_1", intent="pi_1", **extra):
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": str(user.pk),
        "metadata": {"pack": pack},
        "payment_status": "paid",
        "payment_intent": intent,
        "amount_total": 400,
        "currency": "usd",
        "customer_details": {"email": f"{user.handle}@example.com", "name": "Alice Example"},
        **extra,
    }


def test_packs_are_public_and_come_from_settings(api_client):
    response = api_client.get("/api/v1/billing/packs")
    assert response.status_code == 200
    assert response.json() == [
        {"id": "starter", "credits": 100, "price": 400, "currency": "usd"},
        {"id": "creator", "credits": 500, "price": 1500, "currency": "usd"},
    ]


def test_checkout_creates_a_stripe_session_for_the_pack(auth_client, user, stripe_server):
    response = auth_client(user).post("/api/v1/billing/checkout", {"pack": "creator"})
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("cs_test_")
    assert body["url"].startswith("https://checkout.stripe.com/")
    assert body["pack"] == {"id": "creator", "credits": 500, "price": 1500, "currency": "usd"}
    [call] = stripe_server.calls("/v1/checkout/sessions")
    form = call["form"]
    assert form["client_reference_id"] == str(user.pk)
    assert form["metadata"]["pack"] == "creator"
    assert form["mode"] == "payment"
    assert form["line_items"]["0"]["price_data"]["unit_amount"] == "1500"
    assert call["headers"]["Idempotency-Key"]
    session = CheckoutSession.objects.get(session_id=body["id"])
    assert (session.user, session.pack, session.credits) == (user, "creator", 500)
    assert _balance(user) == 0  # nothing is credited before Stripe says it was paid


@pytest.mark.parametrize("pack", ["platinum", "", "STARTER"])
def test_checkout_with_an_unknown_pack_is_400_and_never_calls_stripe(
    auth_client, user, stripe_server, pack
):
    response = auth_client(user).post("/api/v1/billing/checkout", {"pack": pack})
    assert response.status_code == 400
    assert "pack" in response.json()
    assert stripe_server.requests == []
    assert not CheckoutSession.objects.exists()


def test_checkout_when_stripe_fails_is_503_and_writes_nothing(auth_client, user, settings):
    from tests.billing.fake_stripe import SECRET_KEY, FakeStripe

    with FakeStripe(fail_with=500) as server:
        settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE = SECRET_KEY, server.url
        response = auth_client(user).post("/api/v1/billing/checkout", {"pack": "starter"})
    assert response.status_code == 503
    assert response.json()["code"] == "payments_unavailable"
    assert not CheckoutSession.objects.exists()


def test_checkout_needs_a_login(api_client):
    assert api_client.post("/api/v1/billing/checkout", {"pack": "starter"}).status_code == 401


def test_completed_checkout_credits_the_servers_pack_once_per_event(user, post_webhook):
    # The event claims a huge amount; the server's own table says what the pack is worth.
    event = stripe_event("checkout.session.completed", _paid_session(user, amount_total=99999999))
    first = post_webhook(event)
    assert first.status_code == 200
    assert first.json() == {"received": True, "outcome": "credited"}
    assert _balance(user) == 100
    replay = post_webhook(event)  # Stripe retries; an attacker replays within the tolerance
    assert replay.json()["outcome"] == "duplicate"
    assert _balance(user) == 100
    [purchase] = CreditEntry.objects.filter(kind="purchase")
    assert (purchase.amount, purchase.stripe_event_id) == (100, event["id"])
    assert StripeEvent.objects.get(pk=event["id"]).outcome == "credited"


def test_a_second_event_for_the_same_session_does_not_credit_again(user, post_webhook):
    post_webhook(stripe_event("checkout.session.completed", _paid_session(user)))
    late = post_webhook(
        stripe_event("checkout.session.async_payment_succeeded", _paid_session(user))
    )
    assert late.json()["outcome"] == "already_credited"
    assert _balance(user) == 100


def test_unpaid_session_credits_nothing(user, post_webhook):
    session = _paid_session(user, payment_status="unpaid")
    response = post_webhook(stripe_event("checkout.session.completed", session))
    assert response.json()["outcome"] == "awaiting_payment"
    assert _balance(user) == 0


@pytest.mark.parametrize(
    "signature_kind", ["other_secret", "garbage", "missing_v1", "stale", "tampered"]
)
def test_bad_or_stale_signature_is_400_and_credits_nothing(
    user, post_webhook, api_client, signature_kind
):
    import json

    import stripe

    event = stripe_event("checkout.session.completed", _paid_session(user))
    if signature_kind == "other_secret":
        response = post_webhook(event, secret="whsec_someone_else")
    elif signature_kind == "garbage":
        response = post_webhook(event, signature="not a signature")
    elif signature_kind == "missing_v1":
        response = post_webhook(event, signature=f"t={int(time.time())}")
    elif signature_kind == "stale":
        response = post_webhook(event, timestamp=int(time.time()) - 3600)
    else:
        signed = stripe.WebhookSignature.generate_signature_header(
            json.dumps(event), "whsec_test_cutaway_billing"
        )
        event["data"]["object"]["metadata"]["pack"] = "creator"  # the body changed after signing
        response = post_webhook(event, signature=signed)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_signature"
    assert _balance(user) == 0
    assert not StripeEvent.objects.exists()


def test_no_signature_header_is_400(api_client, user):
    response = api_client.post(
        "/api/v1/billing/webhook",
        stripe_event("checkout.session.completed", _paid_session(user)),
        format="json",
    )
    assert response.status_code == 400
    assert _balance(user) == 0


def test_an_event_for_an_unknown_pack_is_400_and_credits_nothing(user, post_webhook):
    event = stripe_event("checkout.session.completed", _paid_session(user, pack="platinum"))
    response = post_webhook(event)
    assert response.status_code == 400
    assert "pack" in response.json()
    assert _balance(user) == 0
    assert not StripeEvent.objects.exists()  # Stripe's retry may succeed once the pack exists


def test_an_event_for_an_unknown_user_is_400(post_webhook, user):
    session = _paid_session(user, client_reference_id="999999")
    response = post_webhook(stripe_event("checkout.session.completed", session))
    assert response.status_code == 400
    assert "client_reference_id" in response.json()


def test_other_event_types_are_recorded_and_ignored(post_webhook):
    response = post_webhook(stripe_event("customer.created", {"id": "cus_1"}))
    assert response.json()["outcome"] == "ignored"


def test_refund_then_dispute_reverse_the_purchase_once(user, post_webhook):
    post_webhook(stripe_event("checkout.session.completed", _paid_session(user, intent="pi_9")))
    refunded = post_webhook(
        stripe_event("charge.refunded", {"id": "ch_1", "payment_intent": "pi_9"})
    )
    assert refunded.json()["outcome"] == "reversed"
    assert _balance(user) == 0
    disputed = post_webhook(
        stripe_event("charge.dispute.created", {"id": "dp_1", "payment_intent": "pi_9"})
    )
    assert disputed.json()["outcome"] == "already_reversed"
    kinds = list(CreditEntry.objects.order_by("seq").values_list("kind", "amount"))
    assert kinds == [("purchase", 100), ("reversal", -100)]


def test_reversal_takes_back_only_what_is_left(user, post_webhook, auth_client, post_generation):
    post_webhook(stripe_event("checkout.session.completed", _paid_session(user, intent="pi_5")))
    client = auth_client(user)
    post_generation(client, {"prompt": "Free"})
    assert post_generation(client, {"prompt": "Paid", "seconds": 8}).status_code == 202  # -16
    post_webhook(stripe_event("charge.dispute.created", {"id": "dp_2", "payment_intent": "pi_5"}))
    reversal = CreditEntry.objects.get(kind="reversal")
    assert reversal.amount == -84
    assert "16 credits already spent" in reversal.reason
    assert _balance(user) == 0


def test_the_ledger_of_a_buyer_verifies(user, post_webhook, auth_client):
    post_webhook(stripe_event("checkout.session.completed", _paid_session(user, intent="pi_7")))
    post_webhook(stripe_event("charge.refunded", {"id": "ch_7", "payment_intent": "pi_7"}))
    body = auth_client(user).get("/api/v1/me/credits?verify=1").json()
    assert body["valid"] is True
    assert [e["kind"] for e in body["entries"]] == ["reversal", "purchase"]
    assert body["entries"][0]["reverses"] == body["entries"][1]["seq"]
    assert body["entries"][1]["pack"] == "starter"


def test_an_event_naming_another_buyer_for_a_known_session_is_400(
    auth_client, user, other_user, stripe_server, post_webhook
):
    session_id = (
        auth_client(user).post("/api/v1/billing/checkout", {"pack": "starter"}).json()["id"]
    )
    forged = _paid_session(other_user, session_id=session_id)
    response = post_webhook(stripe_event("checkout.session.completed", forged))
    assert response.status_code == 400
    assert _balance(user) == _balance(other_user) == 0
    ok = post_webhook(
        stripe_event("checkout.session.completed", _paid_session(user, session_id=session_id))
    )
    assert ok.json()["outcome"] == "credited"
    assert _balance(user) == 100
