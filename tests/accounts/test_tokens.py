"""POST auth/token and auth/token/refresh."""

from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

pytestmark = pytest.mark.django_db


def test_token_with_handle_and_password(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token",
        {"handle": "alice", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200
    assert set(response.json()) >= {"access", "refresh"}


def test_token_handle_is_case_insensitive(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token",
        {"handle": "ALICE", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"handle": "alice", "password": "wrong-password"},
        {"handle": "nobody", "password": "correct-horse-battery"},
    ],
)
def test_wrong_password_or_unknown_handle_is_401(api_client, user, body):
    response = api_client.post("/api/v1/auth/token", body, format="json")
    assert response.status_code == 401
    assert "access" not in response.json()
    assert response.json()["code"]


@pytest.mark.parametrize("missing", ["handle", "password"])
def test_token_missing_field_is_400(api_client, user, missing):
    body = {"handle": "alice", "password": "correct-horse-battery"}
    body.pop(missing)
    response = api_client.post("/api/v1/auth/token", body, format="json")
    assert response.status_code == 400
    assert missing in response.json()


def test_inactive_user_gets_no_token(api_client, user):
    user.is_active = False
    user.save()
    response = api_client.post(
        "/api/v1/auth/token",
        {"handle": "alice", "password": "correct-horse-battery"},
        format="json",
    )
    assert response.status_code == 401


def test_refresh_returns_new_access(api_client, user):
    refresh = RefreshToken.for_user(user)
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": str(refresh)})
    assert response.status_code == 200
    assert response.json()["access"]


@pytest.mark.parametrize("token", ["garbage", "a.b.c", ""])
def test_garbage_refresh_token_is_401_or_400(api_client, token):
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")
    if token == "":
        assert response.status_code == 400
        assert "refresh" in response.json()
    else:
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"


def test_expired_refresh_token_is_401(api_client, user):
    refresh = RefreshToken.for_user(user)
    refresh.set_exp(lifetime=-timedelta(seconds=1))
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": str(refresh)})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_access_token_cannot_be_used_as_refresh(api_client, user):
    access = RefreshToken.for_user(user).access_token
    response = api_client.post("/api/v1/auth/token/refresh", {"refresh": str(access)})
    assert response.status_code == 401


def test_expired_access_token_is_401(api_client, user):
    access = RefreshToken.for_user(user).access_token
    access.set_exp(lifetime=-timedelta(seconds=1))
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 401


def test_garbage_access_token_is_401(api_client):
    response = api_client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_anonymous_me_is_401(api_client):
    assert api_client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/token/refresh"])
def test_token_endpoints_are_throttled_under_scope_auth(api_client, user, auth_rate, path):
    auth_rate("3/min")
    body = {"handle": "alice", "password": "wrong"} if path.endswith("token") else {"refresh": "x"}
    codes = [api_client.post(path, body, format="json").status_code for _ in range(4)]
    assert codes[-1] == 429
    assert api_client.post(path, body, format="json").json()["code"] == "throttled"
