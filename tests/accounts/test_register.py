"""POST auth/register: a new account and a JWT pair; every bad input a 400 naming the field."""

import pytest

from accounts.models import User

URL = "/api/v1/auth/register"
GOOD = {"handle": "carol", "email": "carol@example.com", "password": "correct-horse-battery"}

pytestmark = pytest.mark.django_db


def test_register_returns_user_and_tokens(api_client):
    response = api_client.post(URL, {**GOOD, "display_name": "Carol"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["user"]["handle"] == "carol"
    assert body["user"]["display_name"] == "Carol"
    assert body["user"]["has_cameo"] is False
    assert body["access"] and body["refresh"]
    me = api_client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json()["handle"] == "carol"


def test_handle_is_stored_lowercase(api_client):
    response = api_client.post(URL, {**GOOD, "handle": "CaRoL_9"}, format="json")
    assert response.status_code == 201
    assert User.objects.get().handle == "carol_9"


@pytest.mark.parametrize("taken_as", ["carol", "CAROL", "Carol"])
def test_duplicate_handle_in_any_case_is_400(api_client, make_user, taken_as):
    make_user("carol")
    response = api_client.post(URL, {**GOOD, "handle": taken_as}, format="json")
    assert response.status_code == 400
    assert "handle" in response.json()
    assert User.objects.count() == 1


@pytest.mark.parametrize("missing", ["handle", "email", "password"])
def test_missing_field_is_400_naming_it(api_client, missing):
    body = {k: v for k, v in GOOD.items() if k != missing}
    response = api_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert missing in response.json()
    assert response.json()["code"] == "invalid"
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("handle", "ab"),
        ("handle", "a" * 31),
        ("handle", "bad-handle"),
        ("handle", "émile"),
        ("handle", "with space"),
        ("handle", ["carol"]),
        ("handle", {"x": 1}),
        ("email", "not-an-email"),
        ("email", "a" * 250 + "@example.com"),
        ("email", 42),
        ("password", "x" * 129),
        ("password", None),
        ("display_name", "d" * 51),
        ("display_name", ["x"]),
        ("birth_date", "yesterday"),
        ("birth_date", "2999-01-01"),
        ("birth_date", 12),
    ],
)
def test_bad_values_are_400_naming_the_field(api_client, field, value):
    response = api_client.post(URL, {**GOOD, field: value}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not User.objects.exists()


@pytest.mark.parametrize("password", ["short", "password", "12345678901", "carol123"])
def test_weak_password_is_400(api_client, password):
    response = api_client.post(URL, {**GOOD, "password": password}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_body_that_is_not_an_object_is_400(api_client):
    response = api_client.post(URL, ["handle", "carol"], format="json")
    assert response.status_code == 400
    assert not User.objects.exists()


def test_malformed_json_is_400(api_client):
    response = api_client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"]


def test_register_is_throttled_under_scope_auth(api_client, auth_rate):
    auth_rate("2/min")
    codes = [
        api_client.post(URL, {**GOOD, "handle": f"user_{i}"}, format="json").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    assert User.objects.count() == 2


def test_handle_uniqueness_is_a_database_constraint(make_user):
    from django.db import IntegrityError, transaction

    make_user("dave")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(handle="dave", email="d2@example.com")
    # Uppercase never reaches the table (check constraint), so case-insensitive = exact.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(handle="Dave", email="d3@example.com")
    assert User.objects.count() == 1
