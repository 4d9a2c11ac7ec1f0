"""API keys (API.md v1.1): shown once, stored hashed, a bearer on /api/v1 and /v1, revocable."""

import hashlib
import warnings
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import ApiKey

URL = "/api/v1/me/api-keys"


def _create(client, name="laptop"):
    response = client.post(URL, {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _key_client(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return api_client


@pytest.mark.django_db
def test_created_key_is_shown_once_and_stored_as_its_sha256(auth_client, user):
    client = auth_client(user)
    body = _create(client)
    assert set(body) == {"id", "name", "key", "prefix", "created_at", "last_used_at"}
    assert body["key"].startswith(f"cut_{body['prefix']}_")
    assert len(body["key"]) > 40
    assert body["last_used_at"] is None
    row = ApiKey.objects.get(pk=body["id"])
    assert row.key_sha256 == hashlib.sha256(body["key"].encode()).hexdigest()
    assert body["key"] not in str(ApiKey.objects.filter(pk=body["id"]).values().get())

    listed = client.get(URL).json()["results"]
    assert [item["id"] for item in listed] == [body["id"]]
    assert "key" not in listed[0]


@pytest.mark.django_db
def test_key_authenticates_on_the_native_api(auth_client, api_client, user):
    key = _create(auth_client(user))["key"]
    response = _key_client(api_client, key).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["handle"] == user.handle


@pytest.mark.django_db
def test_last_used_at_is_written_at_most_once_a_minute(auth_client, api_client, user):
    body = _create(auth_client(user))
    client = _key_client(api_client, body["key"])
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert client.get("/api/v1/me").status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(writes) == 1, writes
    first_use = ApiKey.objects.get(pk=body["id"]).last_used_at
    assert first_use is not None

    # A minute later the next request records the new time.
    ApiKey.objects.filter(pk=body["id"]).update(last_used_at=first_use - timedelta(seconds=61))
    assert client.get("/api/v1/me").status_code == 200
    assert ApiKey.objects.get(pk=body["id"]).last_used_at > first_use


@pytest.mark.django_db
def test_revoked_key_is_401(auth_client, api_client, user):
    owner = auth_client(user)
    body = _create(owner)
    assert owner.delete(f"{URL}/{body['id']}").status_code == 204
    response = _key_client(api_client, body["key"]).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_api_key"
    assert owner.get(URL).json()["results"] == []
    assert owner.delete(f"{URL}/{body['id']}").status_code == 404  # revoked once


@pytest.mark.django_db
@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # right prefix, wrong secret
        lambda key: key[: len("cut_") + 8],  # prefix only
        lambda key: "cut_",
        lambda key: "cut_zzzzzzzz_" + key.split("_", 2)[2],  # wrong prefix, real secret
    ],
)
def test_wrong_key_is_401(auth_client, api_client, user, mangle):
    key = _create(auth_client(user))["key"]
    response = _key_client(api_client, mangle(key)).get("/api/v1/me")
    assert response.status_code == 401


@pytest.mark.django_db
def test_key_of_an_inactive_user_fails(auth_client, api_client, user):
    key = _create(auth_client(user))["key"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _key_client(api_client, key).get("/api/v1/me").status_code == 401


@pytest.mark.django_db
def test_another_users_key_is_404_and_keeps_working(auth_client, api_client, user, other_user):
    body = _create(auth_client(user))
    intruder = auth_client(other_user)
    assert intruder.delete(f"{URL}/{body['id']}").status_code == 404
    assert intruder.get(URL).json()["results"] == []
    assert _key_client(api_client, body["key"]).get("/api/v1/me").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "x" * 101}])
def test_bad_name_is_400_naming_it(auth_client, user, payload):
    response = auth_client(user).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_live_keys_are_capped(auth_client, user, settings):
    settings.API_KEYS_MAX_PER_USER = 2
    client = auth_client(user)
    first = _create(client, "one")
    _create(client, "two")
    response = client.post(URL, {"name": "three"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "api_key_limit"
    assert client.delete(f"{URL}/{first['id']}").status_code == 204
    _create(client, "three")


@pytest.mark.django_db
def test_key_list_query_count_does_not_grow(auth_client, user, django_assert_max_num_queries):
    client = auth_client(user)
    for index in range(5):
        _create(client, f"key {index}")
    with django_assert_max_num_queries(3):
        assert len(client.get(URL).json()["results"]) == 5


@pytest.mark.django_db
def test_schema_declares_the_api_key_scheme(api_client):
    document = api_client.get("/api/schema/?format=json").json()
    scheme = document["components"]["securitySchemes"]["apiKeyAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    me = document["paths"]["/api/v1/me"]["get"]
    assert {"apiKeyAuth": []} in me["security"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_openai_sdk_works_with_an_api_key(live_server, user):
    """The official SDK, given an API key as `api_key`, creates, polls and lists videos; once
    the key is revoked the same client gets OpenAI's AuthenticationError."""
    import openai
    from openai import OpenAI

    from accounts.services.api_keys import create_api_key, revoke_api_key

    api_key, key = create_api_key(user, name="sdk")
    client = OpenAI(base_url=live_server.url + "/v1", api_key=key, max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        video = client.videos.create_and_poll(
            prompt="A paper boat on a stream.", seconds="4", size="720x1280", poll_interval_ms=100
        )
        assert video.status == "completed", video.error
        assert [v.id for v in client.videos.list(limit=10).data] == [video.id]
        assert client.videos.retrieve(video.id).id == video.id

        revoke_api_key(user, api_key.pk)
        with pytest.raises(openai.AuthenticationError):
            client.videos.retrieve(video.id)
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at <= timezone.now()
