"""me/notification-settings and push/vapid-key."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.models import Notification

URL = "/api/v1/me/notification-settings"


def test_every_kind_pushes_by_default(auth_client, user):
    response = auth_client(user).get(URL)
    assert response.status_code == 200
    assert response.json() == {kind: True for kind in Notification.Kind.values}


def test_patch_turns_kinds_off_and_on_for_me_only(auth_client, user, other_user):
    client = auth_client(user)
    response = client.patch(URL, {"like": False, "comment": False}, format="json")
    assert response.status_code == 200
    assert response.json()["like"] is False and response.json()["comment"] is False
    assert response.json()["follow"] is True
    assert client.patch(URL, {"like": True}, format="json").json()["like"] is True
    assert client.get(URL).json()["comment"] is False
    assert auth_client(other_user).get(URL).json()["comment"] is True


@pytest.mark.parametrize("body, field", [({"likes": False}, "likes"), ({"like": "maybe"}, "like")])
def test_bad_settings_are_a_400_naming_the_field(auth_client, user, body, field):
    response = auth_client(user).patch(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert auth_client(user).get(URL).json()["like"] is True


def test_settings_need_a_login(api_client):
    assert api_client.get(URL).status_code == 401


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _point(key) -> str:
    return _b64url(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def test_vapid_key_is_public_and_derived_from_the_pem_key(api_client, vapid):
    response = api_client.get("/api/v1/push/vapid-key")
    assert response.status_code == 200
    assert response.json() == {"public_key": _point(vapid)}


def test_vapid_key_from_a_raw_base64url_private_key(api_client, settings, db):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = _b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    settings.VAPID_PUBLIC_KEY = ""
    assert api_client.get("/api/v1/push/vapid-key").json()["public_key"] == _point(key)


def test_vapid_key_unset_is_a_503(api_client, settings, db):
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    response = api_client.get("/api/v1/push/vapid-key")
    assert response.status_code == 503
    assert response.json()["code"] == "push_not_configured"


def test_generated_development_key_is_served(api_client, settings, tmp_path, db):
    """`make run` makes its development pair with this command when none is set."""
    import io

    from django.core.management import call_command

    out = tmp_path / "vapid.pem"
    messages = io.StringIO()
    call_command("generate_vapid_key", out=str(out), stderr=messages)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    public = messages.getvalue().split("VAPID_PUBLIC_KEY=")[1].strip()
    settings.VAPID_PRIVATE_KEY = out.read_text()
    settings.VAPID_PUBLIC_KEY = ""
    assert api_client.get("/api/v1/push/vapid-key").json() == {"public_key": public}
