"""Devices that receive push notifications, and which notification kinds each user pushes.

A device is one delivery address: an APNs device token, an FCM registration token, or a
WebPush subscription (endpoint + the browser's ECDH public key and auth secret). A user's
settings are stored as the kinds they turned *off*: every kind pushes by default, and a kind
added later pushes without a migration of everyone's rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Notification


class Device(models.Model):
    class Platform(models.TextChoices):
        APNS = "apns"
        FCM = "fcm"
        WEBPUSH = "webpush"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # APNs / FCM token, or the WebPush endpoint URL (API.md caps webhook-style URLs at 2,000).
    token = models.CharField(max_length=4096)
    # WebPush only: the subscription's keys (base64url, as the browser hands them out).
    p256dh = models.CharField(max_length=128, blank=True)
    auth = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One address is one device: registering it again (same or new owner) finds it.
            models.UniqueConstraint(fields=["platform", "token"], name="push_device_unique"),
            models.CheckConstraint(
                condition=models.Q(platform__in=["apns", "fcm", "webpush"]),
                name="push_device_platform",
            ),
            models.CheckConstraint(
                condition=~models.Q(platform="webpush")
                | (~models.Q(p256dh="") & ~models.Q(auth="")),
                name="push_webpush_has_keys",
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.platform} device of user {self.user_id}"


class MutedKind(models.Model):
    """A notification kind this user does not want pushed (it still appears in-app)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=Notification.Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="push_muted_kind_unique"),
        ]
