import itertools
import json
import time
import uuid

import pytest

_keys = itertools.count(1)
WEBHOOK_SECRET = "whsec_test_cutaway_billing"


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    """Generation runs the local provider with no policy checks (rights tests plug in
    moderation's), a free allowance of 1 a day and the default price table."""
    settings.GENERATION_PROVIDER = "local"
    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = []
    settings.GENERATION_DAILY_LIMIT = 1
    settings.PLANS = {"free": {}, "pro": {"daily_limit": 3}}
    settings.CREDIT_PRICES = {"720x1280": 2, "1280x720": 2, "1024x1792": 5, "1792x1024": 5}
    settings.CREDIT_PACKS = {
        "starter": {"credits": 100, "price": 400, "currency": "usd"},
        "creator": {"credits": 500, "price": 1500, "currency": "usd"},
    }
    settings.SIGNUP_CREDITS = 0
    settings.RIGHTS_DEFAULT_SHARE_PERCENT = "20"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def admin_user(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def give_credits(admin_user):
    """give_credits(user, n): an admin grant through the service (the ledger's real path)."""
    from billing.services import grant_credits

    def _give(user, amount):
        return grant_credits(user, amount, reason="test top-up", actor=admin_user)

    return _give


def new_key() -> str:
    return f"billing-key-{next(_keys)}-{uuid.uuid4()}"


@pytest.fixture
def post_generation():
    def _post(client, body, key=None):
        return client.post(
            "/api/v1/generations", body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key()
        )

    return _post


@pytest.fixture
def stripe_server(settings):
    from tests.billing.fake_stripe import SECRET_KEY, FakeStripe

    with FakeStripe() as server:
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_API_BASE = server.url
        yield server


def stripe_event(event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    """An event body in Stripe's shape (what its webhook POSTs)."""
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-01-01",
        "created": int(time.time()),
        "livemode": False,
        "type": event_type,
        "data": {"object": obj},
    }


@pytest.fixture
def post_webhook(api_client):
    """post_webhook(event, secret=..., timestamp=...) signs the body as Stripe does (the SDK's
    own signing helper, with the test's secret) and POSTs it."""
    import stripe

    def _post(event, *, secret=WEBHOOK_SECRET, timestamp=None, signature=None):
        payload = json.dumps(event)
        if signature is None:
            signature = stripe.WebhookSignature.generate_signature_header(
                payload, secret, timestamp=timestamp
            )
        return api_client.generic(
            "POST",
            "/api/v1/billing/webhook",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )

    return _post
