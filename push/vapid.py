"""The VAPID key pair WebPush pushes are signed with (RFC 8292), read from settings."""

import base64
import functools

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from py_vapid import Vapid02


class VapidNotConfigured(RuntimeError):
    """VAPID_PRIVATE_KEY is unset or unreadable: WebPush cannot be sent."""


@functools.cache
def vapid_key() -> Vapid02:
    """The private key from VAPID_PRIVATE_KEY: PEM, or base64url of the raw 32-byte scalar."""
    value = settings.VAPID_PRIVATE_KEY.strip()
    if not value:
        raise VapidNotConfigured("VAPID_PRIVATE_KEY is not set.")
    try:
        if value.startswith("-----BEGIN"):
            return Vapid02.from_pem(value.encode())
        return Vapid02.from_raw(value.encode())
    except Exception as error:  # any decoding failure is a configuration error
        raise VapidNotConfigured(f"VAPID_PRIVATE_KEY is not a P-256 key: {error}") from None


def public_key_b64() -> str:
    """The application server key web clients pass to `pushManager.subscribe`: base64url of
    the uncompressed point, VAPID_PUBLIC_KEY when set, else derived from the private key."""
    if settings.VAPID_PUBLIC_KEY:
        return settings.VAPID_PUBLIC_KEY
    point = vapid_key().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


@receiver(setting_changed)
def _reset_vapid_key(setting, **kwargs) -> None:
    if setting in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"):
        vapid_key.cache_clear()
