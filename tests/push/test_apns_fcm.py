"""APNs and FCM against loopback servers speaking their HTTP APIs: what goes over the wire
(paths, JSON, the auth header each sends, verified with the right key) and what the answers do
(dead tokens removed, other failures kept)."""

import json

import jwt
import pytest

from accounts.services.notifications import notify
from push.models import Device

APNS_TOKEN = "ab" * 32
FCM_TOKEN = "fcm-token_" + "x" * 140


def _notify(recipient, actor, django_capture_on_commit_callbacks, kind="follow"):
    with django_capture_on_commit_callbacks(execute=True):
        return notify(recipient, kind, actor=actor)


def test_apns_push_is_http2_with_a_team_signed_jwt(
    user, other_user, apns, django_capture_on_commit_callbacks
):
    Device.objects.create(user=user, platform="apns", token=APNS_TOKEN)
    note = _notify(user, other_user, django_capture_on_commit_callbacks)

    assert len(apns.received) == 1
    request = apns.received[0]
    assert request.headers[":method"] == "POST"
    assert request.headers[":path"] == f"/3/device/{APNS_TOKEN}"
    assert request.headers["apns-topic"] == "app.cutaway.ios"
    assert request.headers["apns-push-type"] == "alert"
    assert request.payload["aps"]["alert"] == {
        "title": "Cutaway",
        "body": "@bob started following you",
    }
    assert request.payload["notification_id"] == str(note.pk)
    scheme, token = request.headers["authorization"].split(" ", 1)
    assert scheme == "bearer"
    assert jwt.get_unverified_header(token)["kid"] == "KEY1234567"
    claims = jwt.decode(token, key=apns.public_key, algorithms=["ES256"])
    assert claims["iss"] == "TEAM123456"


@pytest.mark.parametrize(
    "status, reason, removed",
    [
        (410, "Unregistered", True),
        (400, "BadDeviceToken", True),
        (429, "TooManyRequests", False),
        (500, "InternalServerError", False),
    ],
)
def test_apns_answer_decides_whether_the_token_stays(
    status, reason, removed, user, other_user, apns, django_capture_on_commit_callbacks
):
    device = Device.objects.create(user=user, platform="apns", token=APNS_TOKEN)
    apns.answers[APNS_TOKEN] = (status, reason)
    _notify(user, other_user, django_capture_on_commit_callbacks)
    assert len(apns.received) == 1
    assert Device.objects.filter(pk=device.pk).exists() is not removed


def test_fcm_push_uses_an_oauth_token_from_the_service_account(
    user, other_user, fcm, django_capture_on_commit_callbacks
):
    Device.objects.create(user=user, platform="fcm", token=FCM_TOKEN)
    note = _notify(user, other_user, django_capture_on_commit_callbacks)

    # The OAuth grant, sent to the account's token_uri: a JWT signed with its key (google-auth
    # names Google's token endpoint as the audience whatever the token_uri).
    assert len(fcm.assertions) == 1
    claims = jwt.decode(
        fcm.assertions[0],
        key=fcm.public_key,
        algorithms=["RS256"],
        audience="https://oauth2.googleapis.com/token",
    )
    assert claims["iss"] == "push@cutaway-test.iam.gserviceaccount.com"
    assert "firebase.messaging" in claims["scope"]
    sends = [r for r in fcm.received if r.path.endswith("messages:send")]
    assert len(sends) == 1
    assert sends[0].path == "/v1/projects/cutaway-test/messages:send"
    assert sends[0].headers["authorization"].removeprefix("Bearer ") in fcm.issued
    message = json.loads(sends[0].body)["message"]
    assert message["token"] == FCM_TOKEN
    assert message["notification"] == {"title": "Cutaway", "body": "@bob started following you"}
    assert message["data"] == {"kind": "follow", "notification_id": str(note.pk)}


@pytest.mark.parametrize(
    "status, code, removed",
    [
        (404, "UNREGISTERED", True),
        (400, "UNREGISTERED", True),
        (400, "INVALID_ARGUMENT", False),
        (500, "INTERNAL", False),
    ],
)
def test_fcm_answer_decides_whether_the_token_stays(
    status, code, removed, user, other_user, fcm, django_capture_on_commit_callbacks
):
    device = Device.objects.create(user=user, platform="fcm", token=FCM_TOKEN)
    fcm.answers[FCM_TOKEN] = (status, code)
    _notify(user, other_user, django_capture_on_commit_callbacks)
    assert any(r.path.endswith("messages:send") for r in fcm.received)
    assert Device.objects.filter(pk=device.pk).exists() is not removed


def test_one_notification_reaches_every_platform_of_the_recipient(
    user,
    other_user,
    apns,
    fcm,
    vapid,
    push_service,
    browser,
    django_capture_on_commit_callbacks,
):
    Device.objects.create(user=user, platform="apns", token=APNS_TOKEN)
    Device.objects.create(user=user, platform="fcm", token=FCM_TOKEN)
    Device.objects.create(
        user=user,
        platform="webpush",
        token=push_service.endpoint(),
        p256dh=browser.p256dh,
        auth=browser.auth,
    )
    _notify(user, other_user, django_capture_on_commit_callbacks)
    assert len(apns.received) == 1
    assert len([r for r in fcm.received if r.path.endswith("messages:send")]) == 1
    assert len(push_service.received) == 1
