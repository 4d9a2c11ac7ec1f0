"""What clients send and get at me/devices, me/notification-settings and push/vapid-key."""

import base64
import binascii
import json
import re

from cryptography.hazmat.primitives.asymmetric import ec
from rest_framework import serializers

from accounts.models import Notification
from config.netguard import MAX_URL_CHARS, UnsafeURL, check_url
from push.models import Device
from push.services import DeviceAddress

# An APNs device token is 32 bytes today, sent as hex; Apple says it may grow, so 32-100 bytes.
APNS_TOKEN = re.compile(r"^(?:[0-9a-fA-F]{2}){32,100}$")
# An FCM registration token: URL-safe characters and colons, ~150-250 today.
FCM_TOKEN = re.compile(r"^[A-Za-z0-9_:\-]{32,4096}$")


def _b64url(value: str) -> bytes:
    """Decode base64url with or without padding (browsers send it unpadded)."""
    if not re.fullmatch(r"[A-Za-z0-9_\-]+={0,2}", value):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))


class SubscriptionKeysSerializer(serializers.Serializer):
    p256dh = serializers.CharField(max_length=128, help_text="base64url P-256 public key")
    auth = serializers.CharField(max_length=64, help_text="base64url 16-byte auth secret")

    def validate_p256dh(self, value: str) -> str:
        try:
            raw = _b64url(value)
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
        except (ValueError, binascii.Error):
            raise serializers.ValidationError(
                "Must be the base64url uncompressed P-256 point (65 bytes) of the subscription."
            ) from None
        if len(raw) != 65:
            raise serializers.ValidationError("Must be an uncompressed P-256 point (65 bytes).")
        return value

    def validate_auth(self, value: str) -> str:
        try:
            raw = _b64url(value)
        except (ValueError, binascii.Error):
            raise serializers.ValidationError("Must be base64url.") from None
        if len(raw) != 16:
            raise serializers.ValidationError("Must be the 16-byte auth secret, base64url.")
        return value


class SubscriptionSerializer(serializers.Serializer):
    """A browser's `PushSubscription.toJSON()` (expirationTime is accepted and ignored)."""

    endpoint = serializers.CharField(max_length=MAX_URL_CHARS)
    keys = SubscriptionKeysSerializer()
    expirationTime = serializers.IntegerField(  # noqa: N815 - the browser's own name
        required=False, allow_null=True, write_only=True
    )

    def validate_endpoint(self, value: str) -> str:
        try:
            check_url(value, schemes=("https",))
        except UnsafeURL as error:
            raise serializers.ValidationError(str(error)) from None
        return value


class DeviceCreateSerializer(serializers.Serializer):
    """`{platform: apns|fcm, token}` or `{platform: webpush, subscription: {endpoint, keys:
    {p256dh, auth}}}` (a webpush `token` may carry that subscription as a JSON string).
    Each platform's token shape is checked; a bad one is a 400 naming the field."""

    platform = serializers.ChoiceField(choices=Device.Platform.choices)
    token = serializers.CharField(required=False, max_length=4096, trim_whitespace=False)
    subscription = SubscriptionSerializer(required=False)

    def to_internal_value(self, data):
        # A webpush `token` holding the subscription JSON is read as `subscription`.
        if (
            isinstance(data, dict)
            and data.get("platform") == Device.Platform.WEBPUSH
            and isinstance(data.get("token"), str)
            and "subscription" not in data
        ):
            try:
                subscription = json.loads(data["token"])
            except ValueError:
                raise serializers.ValidationError(
                    {"token": ["For webpush, send `subscription` (or its JSON as `token`)."]}
                ) from None
            data = {"platform": data["platform"], "subscription": subscription}
        return super().to_internal_value(data)

    def validate(self, attrs) -> DeviceAddress:  # type: ignore[override]
        platform = attrs["platform"]
        token = attrs.get("token")
        subscription = attrs.get("subscription")
        if platform == Device.Platform.WEBPUSH:
            if subscription is None:
                raise serializers.ValidationError({"subscription": ["Required for webpush."]})
            keys = subscription["keys"]
            return DeviceAddress(platform, subscription["endpoint"], keys["p256dh"], keys["auth"])
        if subscription is not None:
            raise serializers.ValidationError({"subscription": ["Only for webpush."]})
        if not token:
            raise serializers.ValidationError({"token": [f"Required for {platform}."]})
        if platform == Device.Platform.APNS and not APNS_TOKEN.fullmatch(token):
            raise serializers.ValidationError(
                {"token": ["An APNs device token is 64 or more hexadecimal characters."]}
            )
        if platform == Device.Platform.FCM and not FCM_TOKEN.fullmatch(token):
            raise serializers.ValidationError(
                {"token": ["An FCM registration token is 32+ characters of [A-Za-z0-9_:-]."]}
            )
        return DeviceAddress(platform, token.lower() if platform == "apns" else token)


class DeviceSerializer(serializers.ModelSerializer):
    """A registered device; `token` is the WebPush endpoint for webpush devices."""

    class Meta:
        model = Device
        fields = ["id", "platform", "token", "created_at", "last_pushed_at"]
        read_only_fields = fields


class NotificationSettingsSerializer(serializers.Serializer):
    """One boolean per notification kind: whether it pushes to my devices (default true).
    PATCH sends any subset; an unknown kind is a 400 naming it."""

    def get_fields(self):
        return {
            kind: serializers.BooleanField(required=False, help_text=f"Push `{kind}`.")
            for kind in Notification.Kind.values
        }

    def validate(self, attrs):
        unknown = set(self.initial_data) - set(Notification.Kind.values)
        if unknown:
            raise serializers.ValidationError(
                {key: ["Unknown notification kind."] for key in unknown}
            )
        return attrs


class VapidKeySerializer(serializers.Serializer):
    public_key = serializers.CharField(
        help_text="The VAPID public key (base64url, uncompressed P-256) for pushManager.subscribe."
    )
