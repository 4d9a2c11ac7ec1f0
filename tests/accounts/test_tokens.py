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


# --- rotation, logout and password change (API.md v1.1, issue 12 finding 6) -----------------


def _login(client, password="correct-horse-battery"):
    response = client.post(
        "/api/v1/auth/token", {"handle": "alice", "password": password}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def _refresh(client, token):
    return client.post("/api/v1/auth/token/refresh", {"refresh": token}, format="json")


def _bearer(access):
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def _change_password(client, access, old="correct-horse-battery", new="a-new-long-passphrase"):
    return client.post(
        "/api/v1/me/password",
        {"old_password": old, "new_password": new},
        format="json",
        **_bearer(access),
    )


def test_refresh_rotates_the_refresh_token(api_client, user):
    pair = _login(api_client)
    response = _refresh(api_client, pair["refresh"])
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh"] != pair["refresh"]
    assert api_client.get("/api/v1/me", **_bearer(rotated["access"])).status_code == 200
    assert _refresh(api_client, rotated["refresh"]).status_code == 200


def test_rotated_refresh_cannot_be_reused(api_client, user):
    pair = _login(api_client)
    assert _refresh(api_client, pair["refresh"]).status_code == 200
    again = _refresh(api_client, pair["refresh"])
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"


def test_logout_blacklists_refresh(api_client, user):
    pair = _login(api_client)
    response = api_client.post(
        "/api/v1/auth/logout",
        {"refresh": pair["refresh"]},
        format="json",
        **_bearer(pair["access"]),
    )
    assert response.status_code == 204
    assert _refresh(api_client, pair["refresh"]).status_code == 401


def test_logout_cannot_spend_another_users_refresh(api_client, user, other_user):
    victim = RefreshToken.for_user(other_user)
    mine = _login(api_client)
    response = api_client.post(
        "/api/v1/auth/logout", {"refresh": str(victim)}, format="json", **_bearer(mine["access"])
    )
    assert response.status_code == 400
    assert "refresh" in response.json()
    assert _refresh(api_client, str(victim)).status_code == 200


def test_logout_needs_authentication(api_client, user):
    pair = _login(api_client)
    response = api_client.post("/api/v1/auth/logout", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert _refresh(api_client, pair["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["garbage", ""])
def test_logout_with_bad_token_is_400_naming_refresh(api_client, user, token):
    pair = _login(api_client)
    response = api_client.post(
        "/api/v1/auth/logout", {"refresh": token}, format="json", **_bearer(pair["access"])
    )
    assert response.status_code == 400
    assert "refresh" in response.json()


def test_refresh_token_stops_working_after_password_change(api_client, user):
    stolen = _login(api_client)
    mine = _login(api_client)
    assert _change_password(api_client, mine["access"]).status_code == 204
    assert _refresh(api_client, stolen["refresh"]).status_code == 401
    assert api_client.get("/api/v1/me", **_bearer(stolen["access"])).status_code == 401
    # The caller's own tokens end too (204, no body): it logs in with the new password.
    assert api_client.get("/api/v1/me", **_bearer(mine["access"])).status_code == 401
    assert _refresh(api_client, mine["refresh"]).status_code == 401
    fresh = _login(api_client, password="a-new-long-passphrase")
    assert api_client.get("/api/v1/me", **_bearer(fresh["access"])).status_code == 200


def test_wrong_old_password_is_400_and_changes_nothing(api_client, user):
    pair = _login(api_client)
    response = _change_password(api_client, pair["access"], old="not-my-password")
    assert response.status_code == 400
    assert "old_password" in response.json()
    assert api_client.get("/api/v1/me", **_bearer(pair["access"])).status_code == 200
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")


@pytest.mark.parametrize("new", ["short", "12345678901", "password123"])
def test_weak_new_password_is_400_naming_new_password(api_client, user, new):
    pair = _login(api_client)
    response = _change_password(api_client, pair["access"], new=new)
    assert response.status_code == 400
    assert "new_password" in response.json()
    user.refresh_from_db()
    assert user.check_password("correct-horse-battery")


@pytest.mark.parametrize("missing", ["old_password", "new_password"])
def test_password_change_missing_field_is_400(api_client, user, missing):
    pair = _login(api_client)
    body = {"old_password": "correct-horse-battery", "new_password": "a-new-long-passphrase"}
    body.pop(missing)
    response = api_client.post(
        "/api/v1/me/password", body, format="json", **_bearer(pair["access"])
    )
    assert response.status_code == 400
    assert missing in response.json()


def test_password_change_needs_authentication(api_client, user):
    body = {"old_password": "correct-horse-battery", "new_password": "a-new-long-passphrase"}
    assert api_client.post("/api/v1/me/password", body, format="json").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/logout", "/api/v1/me/password"])
def test_logout_and_password_are_throttled_under_scope_auth(auth_client, user, auth_rate, path):
    auth_rate("3/min")
    client = auth_client(user)
    codes = [client.post(path, {}, format="json").status_code for _ in range(4)]
    assert codes[-1] == 429


# --- the user of a JWT: one prepared lookup per request (accounts/authentication.py) -------


def test_a_jwt_request_reads_its_user_once(api_client, user, django_assert_num_queries):
    """GET me with a bearer token: one query loads the user (the authentication), one reads
    the profile — as with simplejwt's own class, and nothing cached in between."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    access = _login(api_client)["access"]
    api_client.get("/api/v1/me", **_bearer(access))  # the connection's first use
    with django_assert_num_queries(2), CaptureQueriesContext(connection) as queries:
        assert api_client.get("/api/v1/me", **_bearer(access)).status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "accounts_user" WHERE' in q["sql"]]
    # the authentication's plain row and the profile with its flags (has_cameo, ...)
    assert len(reads) == 2 and sum("has_cameo" not in sql for sql in reads) == 1, reads


def test_deactivation_ends_the_access_token_at_the_next_request(api_client, user):
    from accounts.services.lifecycle import deactivate_user

    access = _login(api_client)["access"]
    assert api_client.get("/api/v1/me", **_bearer(access)).status_code == 200
    deactivate_user(user)
    response = api_client.get("/api/v1/me", **_bearer(access))
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_password_change_ends_the_access_token_with_simplejwts_code(api_client, user):
    access = _login(api_client)["access"]
    assert api_client.get("/api/v1/me", **_bearer(access)).status_code == 200
    user.set_password("a-new-long-passphrase")
    user.save(update_fields=["password"])
    response = api_client.get("/api/v1/me", **_bearer(access))
    assert response.status_code == 401
    assert response.json()["code"] == "password_changed"


def test_a_deleted_user_and_a_token_without_user_id_are_401(api_client, user, other_user):
    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(other_user)
    other_user.delete()
    response = api_client.get("/api/v1/me", **_bearer(str(token)))
    assert response.status_code == 401 and response.json()["code"] == "user_not_found"
    anonymous = AccessToken.for_user(user)
    del anonymous["user_id"]
    assert api_client.get("/api/v1/me", **_bearer(str(anonymous))).status_code == 401


def test_logout_spends_the_refresh_token_and_the_access_token_runs_out(api_client, user):
    """Logout blacklists the refresh token (simplejwt: access tokens are not blacklisted;
    they end at their expiry, JWT_ACCESS_MINUTES)."""
    pair = _login(api_client)
    response = api_client.post(
        "/api/v1/auth/logout",
        {"refresh": pair["refresh"]},
        format="json",
        **_bearer(pair["access"]),
    )
    assert response.status_code == 204
    assert _refresh(api_client, pair["refresh"]).status_code == 401
