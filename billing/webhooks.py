"""What a verified Stripe event does, once per event id.

`checkout.session.completed` (paid) and `checkout.session.async_payment_succeeded` credit the
pack named in `metadata.pack`, from the server's own CREDIT_PACKS, to the user named by
`client_reference_id`; `charge.refunded` and `charge.dispute.created` reverse the purchase
paid by that payment intent. Any other type is recorded and ignored.

The StripeEvent row (primary key = Stripe's event id) is written in the same transaction as
its effect, so a retried, replayed or concurrently delivered event finds the row (or waits on
its insert) and credits nothing; an event that fails (unknown pack) leaves no row either.
"""

from __future__ import annotations

import json
import logging

from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from accounts.models import User
from billing import services
from billing.models import StripeEvent

logger = logging.getLogger(__name__)

CREDITING = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
REVERSING = ("charge.refunded", "charge.dispute.created")


def handle_event(event, payload: bytes) -> str:
    """Apply one verified event; returns its outcome (`credited`, `duplicate`, `ignored`…)."""
    if hasattr(event, "to_dict"):  # the SDK's StripeObject: read it as plain JSON values
        event = event.to_dict()
    event_id, event_type = str(event["id"]), str(event["type"])
    data = event["data"]["object"]
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event_id, type=event_type[:100], outcome="received"
            )
            outcome, user = _apply(event_type, data, event_id)
            StripeEvent.objects.filter(pk=record.pk).update(
                outcome=outcome, user=user, payload=json.loads(payload)
            )
    except IntegrityError:
        if StripeEvent.objects.filter(pk=event_id).exists():
            return "duplicate"
        raise
    logger.info("stripe event %s (%s): %s", event_id, event_type, outcome)
    return outcome


def _apply(event_type: str, data, event_id: str) -> tuple[str, User | None]:
    if event_type in CREDITING:
        return _credit(data, event_id)
    if event_type in REVERSING:
        return _reverse(event_type, data, event_id)
    return "ignored", None


def _credit(session, event_id: str) -> tuple[str, User | None]:
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return "awaiting_payment", None
    metadata = session.get("metadata") or {}
    pack = services.pack_named(metadata.get("pack"))
    user = _user(session.get("client_reference_id"))
    entry = services.credit_purchase(
        user,
        pack,
        session_id=str(session.get("id") or ""),
        payment_intent=str(session.get("payment_intent") or ""),
        event_id=event_id,
    )
    return ("credited" if entry is not None else "already_credited"), user


def _reverse(event_type: str, obj, event_id: str) -> tuple[str, User | None]:
    purchase = services.purchase_for_payment(str(obj.get("payment_intent") or ""))
    if purchase is None:
        return "no_purchase", None
    why = "refunded at Stripe" if event_type == "charge.refunded" else "disputed at Stripe"
    entry = services.reverse_purchase(purchase, reason=why, event_id=event_id)
    return ("reversed" if entry is not None else "already_reversed"), purchase.account.user


def _user(reference) -> User:
    try:
        return User.objects.get(pk=int(str(reference)))
    except (ValueError, User.DoesNotExist):
        raise ValidationError({"client_reference_id": ["No such user."]}) from None
