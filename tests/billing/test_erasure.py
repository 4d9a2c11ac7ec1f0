"""What erasing an account does to its credits (accounts.signals.user_erased): the balance
lapses, the accounting rows stay and still verify, personal data in Stripe payloads goes."""

import pytest
from django.db import transaction

from accounts.signals import user_erased
from billing.models import CheckoutSession, CreditAccount, CreditEntry, StripeEvent
from billing.selectors import verify_credit_ledger
from billing.services import set_plan
from tests.billing.conftest import stripe_event

pytestmark = pytest.mark.django_db


def test_erasure_lapses_the_balance_and_keeps_the_ledger(user, post_webhook, give_credits):
    session = {
        "id": "cs_erase",
        "client_reference_id": str(user.pk),
        "metadata": {"pack": "starter"},
        "payment_status": "paid",
        "payment_intent": "pi_erase",
        "customer_details": {"email": "alice@example.com", "name": "Alice Example"},
    }
    post_webhook(stripe_event("checkout.session.completed", session))
    give_credits(user, 5)
    set_plan(user, "pro")
    assert StripeEvent.objects.get().payload["data"]["object"]["customer_details"]
    with transaction.atomic():
        user_erased.send(sender=type(user), user=user)
    account = CreditAccount.objects.get(user=user)
    assert (account.balance, account.plan) == (0, "free")
    kinds = list(CreditEntry.objects.order_by("seq").values_list("kind", "amount"))
    assert kinds == [("purchase", 100), ("grant", 5), ("expiry", -105)]
    assert verify_credit_ledger(user) is True
    event = StripeEvent.objects.get()
    assert event.payload == {}
    assert (event.type, event.outcome) == ("checkout.session.completed", "credited")
    assert CheckoutSession.objects.get().url == ""


def test_erasing_a_user_without_credits_writes_nothing(user):
    with transaction.atomic():
        user_erased.send(sender=type(user), user=user)
    assert not CreditEntry.objects.exists()
    assert not CreditAccount.objects.exists()
