"""WebPush end to end: a like pushes to the author's browser through a loopback push service;
the test decrypts the aes128gcm body with the browser's keys and checks the VAPID JWT."""

import base64
import json

import http_ece
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from push.models import Device
from tests.factories import VideoFactory


def _register(client, browser, endpoint):
    response = client.post(
        "/api/v1/me/devices",
        {"platform": "webpush", "subscription": browser.subscription(endpoint)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _like(client, video, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/api/v1/videos/{video.pk}/like").status_code == 201


def _public_key_from_header(value: str) -> ec.EllipticCurvePublicKey:
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)


def test_like_is_pushed_encrypted_and_vapid_signed(
    auth_client, user, other_user, vapid, push_service, browser, django_capture_on_commit_callbacks
):
    endpoint = push_service.endpoint("alice-browser")
    _register(auth_client(user), browser, endpoint)
    video = VideoFactory(author=user)

    _like(auth_client(other_user), video, django_capture_on_commit_callbacks)

    assert len(push_service.received) == 1
    request = push_service.received[0]
    assert request.path == "/push/alice-browser"
    assert request.headers["content-encoding"] == "aes128gcm"
    assert int(request.headers["ttl"]) > 0
    # The body decrypts with the subscriber's private key and auth secret only.
    plaintext = http_ece.decrypt(
        request.body,
        private_key=browser.private_key,
        auth_secret=browser.auth_secret,
        version="aes128gcm",
    )
    message = json.loads(plaintext)
    assert message["body"] == "@bob liked your video"
    assert message["data"]["kind"] == "like" and message["data"]["video"] == str(video.pk)
    # VAPID (RFC 8292): `vapid t=<JWT>, k=<public key>`; the JWT is signed by our key.
    scheme, _, params = request.headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    sent_key = _public_key_from_header(fields["k"])
    assert sent_key.public_numbers() == vapid.public_key().public_numbers()
    claims = jwt.decode(
        fields["t"], key=vapid.public_key(), algorithms=["ES256"], audience=push_service.base
    )
    assert claims["sub"] == "mailto:ops@cutaway.test"
    assert claims["exp"] > 0


def test_a_forged_vapid_signature_would_not_verify(
    auth_client, user, other_user, vapid, push_service, browser, django_capture_on_commit_callbacks
):
    """The check above can fail: the JWT does not verify under another key."""
    _register(auth_client(user), browser, push_service.endpoint())
    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)
    token = push_service.received[0].headers["authorization"].split("t=", 1)[1].split(",")[0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(
            token,
            key=ec.generate_private_key(ec.SECP256R1()).public_key(),
            algorithms=["ES256"],
            audience=push_service.base,
        )


@pytest.mark.parametrize("status", [404, 410])
def test_gone_subscription_is_deleted(
    status,
    auth_client,
    user,
    other_user,
    vapid,
    push_service,
    browser,
    django_capture_on_commit_callbacks,
):
    dead = _register(auth_client(user), browser, push_service.endpoint("dead", status=status))
    alive = _register(auth_client(user), browser, push_service.endpoint("alive"))

    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)

    assert {r.path for r in push_service.received} == {"/push/dead", "/push/alive"}
    assert not Device.objects.filter(pk=dead["id"]).exists()
    assert Device.objects.filter(pk=alive["id"]).exists()


def test_server_error_keeps_the_subscription(
    auth_client, user, other_user, vapid, push_service, browser, django_capture_on_commit_callbacks
):
    device = _register(auth_client(user), browser, push_service.endpoint("busy", status=503))
    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)
    assert len(push_service.received) == 1
    assert Device.objects.filter(pk=device["id"]).exists()


def test_private_endpoint_is_not_pushed_to_when_the_rule_is_on(
    settings,
    auth_client,
    user,
    other_user,
    vapid,
    push_service,
    browser,
    django_capture_on_commit_callbacks,
):
    """Registered while private addresses were allowed; checked again at send time."""
    _register(auth_client(user), browser, push_service.endpoint())
    settings.WEBHOOK_ALLOW_PRIVATE = False
    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)
    assert push_service.received == []


def test_a_rolled_back_notification_pushes_nothing(
    user, other_user, vapid, push_service, browser, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from accounts.services.notifications import notify
    from push.models import Device

    Device.objects.create(
        user=user,
        platform="webpush",
        token=push_service.endpoint(),
        p256dh=browser.p256dh,
        auth=browser.auth,
    )
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify(user, "follow", actor=other_user)
        raise RuntimeError("the follow fails after its notification was written")
    assert push_service.received == []


def test_a_redirect_is_not_followed(
    auth_client, user, other_user, vapid, push_service, browser, django_capture_on_commit_callbacks
):
    """A 307 could point at any address: the push is dropped, the Location never fetched."""
    endpoint = push_service.endpoint("moved")
    push_service.redirects["/push/moved"] = push_service.endpoint("elsewhere")
    device = _register(auth_client(user), browser, endpoint)
    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)
    assert [r.path for r in push_service.received] == ["/push/moved"]
    assert Device.objects.filter(pk=device["id"]).exists()


def test_a_slow_push_service_times_out_and_the_rest_still_go(
    settings,
    auth_client,
    user,
    other_user,
    vapid,
    push_service,
    browser,
    django_capture_on_commit_callbacks,
):
    settings.PUSH_HTTP_TIMEOUT = 0.2
    settings.PUSH_CONCURRENCY = 1  # one after the other: the slow one must not hold up the next
    slow = _register(auth_client(user), browser, push_service.endpoint("slow"))
    push_service.delays["/push/slow"] = 1.0
    _register(auth_client(user), browser, push_service.endpoint("fast"))
    _like(auth_client(other_user), VideoFactory(author=user), django_capture_on_commit_callbacks)
    assert {r.path for r in push_service.received} == {"/push/slow", "/push/fast"}
    assert Device.objects.filter(pk=slow["id"]).exists()  # a timeout is not a dead subscription
