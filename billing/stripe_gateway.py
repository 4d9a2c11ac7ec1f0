"""Stripe through its official SDK: Checkout Sessions, refunds and webhook verification.

A `StripeClient` per call with `base_addresses={"api": settings.STRIPE_API_BASE}`, so tests
point it at a loopback server that speaks Stripe's API and production at api.stripe.com.
The SDK is imported here only (PostHog's rule: heavy SDKs stay off the import path of views
that do not need them).
"""

from __future__ import annotations

import logging

from django.conf import settings

from billing.exceptions import InvalidWebhook, PaymentsUnavailable

logger = logging.getLogger(__name__)


def _client():
    import stripe

    if not settings.STRIPE_SECRET_KEY:
        raise PaymentsUnavailable("Payments are not configured on this server (STRIPE_SECRET_KEY).")
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=1,
        http_client=stripe.new_default_http_client(timeout=settings.STRIPE_HTTP_TIMEOUT),
    )


def create_checkout_session(*, user_id: int, pack: dict, idempotency_key: str) -> tuple[str, str]:
    """A hosted Checkout Session selling `pack` to the user: (session id, url).

    `client_reference_id` is the user's id and `metadata.pack` the pack id: what the webhook
    reads back. The price comes from the server's own pack table."""
    import stripe

    params = {
        "mode": "payment",
        "client_reference_id": str(user_id),
        "metadata": {"pack": pack["id"], "user_id": str(user_id)},
        "payment_intent_data": {"metadata": {"pack": pack["id"], "user_id": str(user_id)}},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": pack["currency"],
                    "unit_amount": pack["price"],
                    "product_data": {"name": f"{pack['credits']} Cutaway credits"},
                },
            }
        ],
        "success_url": settings.BILLING_SUCCESS_URL,
        "cancel_url": settings.BILLING_CANCEL_URL,
    }
    try:
        session = _client().v1.checkout.sessions.create(
            params,
            {"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        logger.warning("Stripe refused or could not be reached for a checkout: %s", error)
        raise PaymentsUnavailable() from None
    return session.id, session.url or ""


def refund_payment(payment_intent: str, *, idempotency_key: str) -> str:
    """Refund a payment in full at Stripe; the refund's id."""
    import stripe

    try:
        refund = _client().v1.refunds.create(
            {"payment_intent": payment_intent}, {"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as error:
        logger.warning("Stripe refused or could not be reached for a refund: %s", error)
        raise PaymentsUnavailable() from None
    return refund.id


def verify_event(payload: bytes, signature: str | None):
    """The event, if `signature` (the Stripe-Signature header) verifies for this exact body
    with STRIPE_WEBHOOK_SECRET within the tolerance; else 400 invalid_signature."""
    import stripe

    if not settings.STRIPE_WEBHOOK_SECRET:
        raise PaymentsUnavailable("Webhooks are not configured (STRIPE_WEBHOOK_SECRET).")
    try:
        return stripe.Webhook.construct_event(
            payload,
            signature,
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError:
        raise InvalidWebhook() from None
    except ValueError:  # verified but not JSON cannot happen; unverifiable garbage can
        raise InvalidWebhook("The body is not a Stripe event.") from None
