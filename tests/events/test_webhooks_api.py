"""me/webhooks: register (secret shown once), list, delete, delivery log; bad URLs are a 400
naming `url`; another user's webhook is a 404; erasure removes a user's webhooks."""

import uuid

import pytest

from accounts.signals import user_erased
from events.models import DeliveryAttempt, Event, WebhookDelivery, WebhookEndpoint
from events.services.webhooks import create_endpoint

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/webhooks"
PUBLIC_IP_URL = "https://93.184.215.14/hooks"  # a literal public address: no DNS needed


@pytest.fixture
def private_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_create_shows_the_secret_once(auth_client, user):
    client = auth_client(user)
    response = client.post(URL, {"url": PUBLIC_IP_URL, "events": ["video.completed"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["video.completed"]
    assert response["Location"] == f"{URL}/{body['id']}"

    listed = client.get(URL).json()["results"]
    assert [w["id"] for w in listed] == [body["id"]]
    assert "secret" not in listed[0]
    assert listed[0]["enabled"] is True


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.215.14/hooks",
        "javascript:alert(1)",
        "https://user:pass@93.184.215.14/hooks",
        "https://user@93.184.215.14/hooks",
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hooks",
        "http://192.168.0.10/hooks",
        "http://172.16.0.1/hooks",
        "http://100.64.0.1/hooks",
        "http://0.0.0.0/hooks",
        "http://224.0.0.1/hooks",
        "http://[fe80::1]/hooks",
        "http://[fd00:ec2::254]/hooks",
        "http://0x7f000001/hooks",
        "http://2130706433/hooks",
        "http://nowhere.invalid/hooks",
        "https://93.184.215.14/" + "a" * 2000,
        "https://93.184.215.14/a b",
        "",
    ],
)
def test_a_bad_or_forbidden_url_is_a_400_naming_url(auth_client, user, url):
    response = auth_client(user).post(URL, {"url": url, "events": ["video.completed"]})
    assert response.status_code == 400, response.content
    assert "url" in response.json()
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_are_accepted_when_allowed(auth_client, user, private_allowed):
    response = auth_client(user).post(
        URL, {"url": "http://localhost:9/hooks", "events": ["user.followed"]}
    )
    assert response.status_code == 201


@pytest.mark.parametrize("events", [[], ["video.exploded"], "video.completed", [1]])
def test_bad_event_types_are_a_400_naming_events(auth_client, user, events):
    response = auth_client(user).post(URL, {"url": PUBLIC_IP_URL, "events": events})
    assert response.status_code == 400
    assert "events" in response.json()


def test_missing_fields_are_named(auth_client, user):
    response = auth_client(user).post(URL, {})
    assert response.status_code == 400
    assert {"url", "events"} <= set(response.json())


def test_there_is_a_cap_on_endpoints(auth_client, user, settings):
    settings.WEBHOOK_MAX_ENDPOINTS = 2
    client = auth_client(user)
    for _ in range(2):
        assert (
            client.post(URL, {"url": PUBLIC_IP_URL, "events": ["video.failed"]}).status_code == 201
        )
    response = client.post(URL, {"url": PUBLIC_IP_URL, "events": ["video.failed"]})
    assert response.status_code == 400 and "url" in response.json()


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert (
        api_client.post(URL, {"url": PUBLIC_IP_URL, "events": ["video.failed"]}).status_code == 401
    )


def test_another_users_webhook_is_404(auth_client, user, other_user):
    endpoint = create_endpoint(user, url=PUBLIC_IP_URL, events=["video.failed"])
    intruder = auth_client(other_user)
    assert intruder.delete(f"{URL}/{endpoint.id}").status_code == 404
    assert intruder.get(f"{URL}/{endpoint.id}/deliveries").status_code == 404
    assert intruder.get(URL).json()["results"] == []
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


@pytest.mark.parametrize("webhook_id", ["not-a-uuid", str(uuid.uuid4()), "1"])
def test_a_malformed_or_unknown_id_is_404(auth_client, user, webhook_id):
    client = auth_client(user)
    assert client.delete(f"{URL}/{webhook_id}").status_code == 404
    assert client.get(f"{URL}/{webhook_id}/deliveries").status_code == 404


def test_delete_removes_the_endpoint_and_its_log(auth_client, user, make_user):
    endpoint = create_endpoint(user, url=PUBLIC_IP_URL, events=["user.followed"])
    _logged_attempts(endpoint, make_user, count=2)
    assert auth_client(user).delete(f"{URL}/{endpoint.id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists() and not DeliveryAttempt.objects.exists()


def _logged_attempts(endpoint, make_user, count):
    """Delivery rows as the sender leaves them (one attempt each), for the list tests."""
    for _ in range(count):
        actor = make_user()
        event = Event.objects.create(type="user.followed", user=endpoint.user, actor=actor)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, status="succeeded", attempts=1
        )
        DeliveryAttempt.objects.create(
            delivery=delivery, attempt=1, status_code=200, succeeded=True
        )


def test_the_delivery_log_costs_the_same_queries_however_long(
    auth_client, user, make_user, django_assert_max_num_queries
):
    endpoint = create_endpoint(user, url=PUBLIC_IP_URL, events=["user.followed"])
    _logged_attempts(endpoint, make_user, count=15)
    client = auth_client(user)
    with django_assert_max_num_queries(4):
        response = client.get(f"{URL}/{endpoint.id}/deliveries")
    results = response.json()["results"]
    assert len(results) == 15
    assert all(r["delivered_at"] and r["type"] == "user.followed" for r in results)


def test_user_erased_removes_webhooks_deliveries_and_events(user, other_user, make_user):
    mine = create_endpoint(user, url=PUBLIC_IP_URL, events=["user.followed"])
    theirs = create_endpoint(other_user, url=PUBLIC_IP_URL, events=["user.followed"])
    _logged_attempts(mine, make_user, count=2)
    _logged_attempts(theirs, make_user, count=1)

    user_erased.send(sender=type(user), user=user)

    assert list(WebhookEndpoint.objects.values_list("pk", flat=True)) == [theirs.pk]
    assert not Event.objects.filter(user=user).exists()
    assert WebhookDelivery.objects.count() == DeliveryAttempt.objects.count() == 1
