"""SIGNUP_CREDITS on a new account; the OpenAI-compatible /v1 create spends credits too."""

import pytest

from billing.models import CreditAccount, CreditEntry
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db


def test_signup_credits_are_granted_once_on_register(settings, api_client):
    settings.SIGNUP_CREDITS = 25
    body = {"handle": "newbie", "email": "newbie@example.com", "password": "a-long-passphrase-1"}
    assert api_client.post("/api/v1/auth/register", body, format="json").status_code == 201
    account = CreditAccount.objects.get(user__handle="newbie")
    assert (account.balance, account.plan) == (25, "free")
    [entry] = CreditEntry.objects.filter(account=account)
    assert (entry.kind, entry.amount, entry.reason) == ("grant", 25, "signup")


def test_no_signup_credits_by_default(api_client):
    body = {"handle": "plain", "email": "plain@example.com", "password": "a-long-passphrase-1"}
    assert api_client.post("/api/v1/auth/register", body, format="json").status_code == 201
    assert not CreditEntry.objects.exists()


@pytest.fixture
def compat_client(api_client, user):
    from rest_framework_simplejwt.tokens import AccessToken

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return api_client


def test_v1_create_beyond_the_allowance_spends_credits_or_is_402(compat_client, user, give_credits):
    assert compat_client.post("/v1/videos", {"prompt": "one"}, format="json").status_code == 200
    refused = compat_client.post("/v1/videos", {"prompt": "two", "seconds": "4"}, format="json")
    assert refused.status_code == 402
    assert refused.json()["error"]["code"] == "insufficient_credits"
    assert GenerationJob.objects.filter(user=user).count() == 1
    give_credits(user, 8)
    paid = compat_client.post("/v1/videos", {"prompt": "two", "seconds": "4"}, format="json")
    assert paid.status_code == 200
    assert CreditAccount.objects.get(user=user).balance == 0
    assert CreditEntry.objects.filter(kind="spend", job_id=paid.json()["id"]).exists()
