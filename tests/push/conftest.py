import base64
import json
import os
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.push.servers import ApnsServer, FcmServer, WebPushService


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class Browser:
    """A subscriber as a browser is one: an ECDH key pair and an auth secret (RFC 8291)."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict:
        return {"endpoint": endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@pytest.fixture
def browser():
    return Browser(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


@pytest.fixture
def vapid_private_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def vapid(settings, vapid_private_key):
    """VAPID configured with a fresh key (PEM form) and loopback endpoints allowed."""
    settings.VAPID_PRIVATE_KEY = vapid_private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.VAPID_PUBLIC_KEY = ""
    settings.VAPID_SUBJECT = "mailto:ops@cutaway.test"
    settings.WEBHOOK_ALLOW_PRIVATE = True
    return vapid_private_key


@pytest.fixture
def push_service():
    service = WebPushService()
    yield service
    service.close()


@pytest.fixture
def apns(settings, tmp_path):
    """A loopback APNs server and the settings that point aioapns at it with a .p8 key."""
    server = ApnsServer(tmp_path)
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "AuthKey_KEY1234567.p8"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    settings.APNS_KEY_FILE = str(key_file)
    settings.APNS_KEY_ID = "KEY1234567"
    settings.APNS_TEAM_ID = "TEAM123456"
    settings.APNS_TOPIC = "app.cutaway.ios"
    settings.APNS_USE_SANDBOX = True
    settings.APNS_HOST = "127.0.0.1"
    settings.APNS_PORT = server.port
    settings.APNS_CA_FILE = str(server.ca_file)
    server.public_key = key.public_key()
    yield server
    server.close()


@pytest.fixture
def fcm(settings, tmp_path):
    """A loopback OAuth + FCM v1 server and a service-account file whose token_uri is it."""
    server = FcmServer()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    account = {
        "type": "service_account",
        "project_id": "cutaway-test",
        "private_key_id": "k1",
        "private_key": key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        "client_email": "push@cutaway-test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": f"{server.base}/token",
    }
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(account))
    settings.FCM_CREDENTIALS_FILE = str(credentials)
    settings.FCM_PROJECT_ID = ""
    settings.FCM_API_BASE = f"{server.base}/v1/projects"
    server.public_key = key.public_key()
    server.token_uri = account["token_uri"]
    yield server
    server.close()
