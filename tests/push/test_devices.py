"""me/devices: registration per platform, idempotence, token shapes, other users' devices."""

import pytest

from push.models import Device

URL = "/api/v1/me/devices"
APNS_TOKEN = "0f" * 32
FCM_TOKEN = "dGVzdA:APA91b" + "Q" * 140


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True


def test_register_each_platform(auth_client, user, browser):
    client = auth_client(user)
    apns = client.post(URL, {"platform": "apns", "token": APNS_TOKEN}, format="json")
    fcm = client.post(URL, {"platform": "fcm", "token": FCM_TOKEN}, format="json")
    web = client.post(
        URL,
        {"platform": "webpush", "subscription": browser.subscription("https://localhost/a")},
        format="json",
    )
    assert [r.status_code for r in (apns, fcm, web)] == [201, 201, 201]
    assert web.json()["token"] == "https://localhost/a"
    device = Device.objects.get(pk=web.json()["id"])
    assert (device.p256dh, device.auth) == (browser.p256dh, browser.auth)
    listed = client.get(URL).json()["results"]
    assert {d["platform"] for d in listed} == {"apns", "fcm", "webpush"}


def test_webpush_subscription_json_as_token(auth_client, user, browser):
    import json

    body = {"platform": "webpush", "token": json.dumps(browser.subscription("https://localhost/b"))}
    response = auth_client(user).post(URL, body, format="json")
    assert response.status_code == 201
    assert response.json()["token"] == "https://localhost/b"


def test_registering_again_is_idempotent(auth_client, user):
    client = auth_client(user)
    first = client.post(URL, {"platform": "apns", "token": APNS_TOKEN}, format="json")
    again = client.post(URL, {"platform": "apns", "token": APNS_TOKEN.upper()}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Device.objects.count() == 1


def test_a_token_registered_by_another_account_moves_to_the_new_one(auth_client, user, other_user):
    auth_client(other_user).post(URL, {"platform": "fcm", "token": FCM_TOKEN}, format="json")
    response = auth_client(user).post(URL, {"platform": "fcm", "token": FCM_TOKEN}, format="json")
    assert response.status_code == 200
    assert Device.objects.get().user == user
    assert auth_client(other_user).get(URL).json()["results"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"platform": "apns", "token": "abc"}, "token"),
        ({"platform": "apns", "token": "zz" * 32}, "token"),
        ({"platform": "apns"}, "token"),
        ({"platform": "fcm", "token": "has spaces " * 5}, "token"),
        ({"platform": "fcm", "token": "short"}, "token"),
        ({"platform": "fcm", "token": "x" * 5000}, "token"),
        ({"platform": "sms", "token": "x" * 64}, "platform"),
        ({"token": APNS_TOKEN}, "platform"),
        ({"platform": "webpush"}, "subscription"),
        ({"platform": "webpush", "token": "not json"}, "token"),
        ({"platform": "apns", "token": APNS_TOKEN, "subscription": {}}, "subscription"),
    ],
)
def test_bad_token_shape_is_a_400_naming_the_field(auth_client, user, body, field):
    response = auth_client(user).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Device.objects.exists()


def _sub(browser, **change):
    subscription = browser.subscription("https://localhost/c")
    keys = subscription["keys"]
    for key, value in change.items():
        if key in keys:
            keys[key] = value
        else:
            subscription[key] = value
    return {"platform": "webpush", "subscription": subscription}


@pytest.mark.parametrize(
    "change, path",
    [
        ({"p256dh": "bm90IGEga2V5"}, ("keys", "p256dh")),  # not a curve point
        ({"p256dh": "B" * 87}, ("keys", "p256dh")),  # 65 bytes, but not on the curve
        ({"p256dh": "***"}, ("keys", "p256dh")),
        ({"auth": "c2hvcnQ"}, ("keys", "auth")),  # 5 bytes, not 16
        ({"endpoint": "ftp://push.test/x"}, ("endpoint",)),
        ({"endpoint": "https://user:pw@push.test/x"}, ("endpoint",)),
        ({"endpoint": "https://localhost/" + "x" * 2000}, ("endpoint",)),
        ({"endpoint": "not a url"}, ("endpoint",)),
    ],
)
def test_bad_subscription_is_a_400_naming_the_nested_field(
    auth_client, user, browser, change, path
):
    response = auth_client(user).post(URL, _sub(browser, **change), format="json")
    assert response.status_code == 400
    errors = response.json()["subscription"]
    for part in path:
        errors = errors[part]
    assert errors
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push",
        "https://localhost/push",
        "https://10.1.2.3/push",
        "https://169.254.169.254/latest",
        "https://[::1]/push",
        "https://[::ffff:192.168.0.1]/push",
        "http://push.test/plain-http",
    ],
)
def test_private_or_plain_endpoints_are_refused_unless_allowed(
    settings, auth_client, user, browser, endpoint
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    body = {"platform": "webpush", "subscription": browser.subscription(endpoint)}
    response = auth_client(user).post(URL, body, format="json")
    assert response.status_code == 400
    assert "endpoint" in response.json()["subscription"]
    assert not Device.objects.exists()


def test_another_users_device_is_a_404(auth_client, user, other_user):
    theirs = auth_client(other_user).post(URL, {"platform": "apns", "token": APNS_TOKEN})
    device_id = theirs.json()["id"]
    assert auth_client(user).delete(f"{URL}/{device_id}").status_code == 404
    assert Device.objects.filter(pk=device_id).exists()
    assert auth_client(user).get(URL).json()["results"] == []
    assert auth_client(user).delete(f"{URL}/not-a-uuid").status_code == 404
    assert auth_client(other_user).delete(f"{URL}/{device_id}").status_code == 204
    assert not Device.objects.exists()


def test_devices_need_a_login(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.post(URL, {"platform": "apns", "token": APNS_TOKEN}).status_code == 401


def test_device_list_queries_do_not_grow(auth_client, user, django_assert_max_num_queries):
    for index in range(15):
        Device.objects.create(user=user, platform="apns", token=f"{index:02x}" * 32)
    with django_assert_max_num_queries(2):  # auth user, page
        response = auth_client(user).get(URL)
    assert len(response.json()["results"]) == 15
