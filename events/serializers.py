"""Webhook endpoints and their delivery log (API.md v1.1, "Events: webhooks and push")."""

from rest_framework import serializers

from events.egress import MAX_URL_CHARS
from events.event_types import EventType
from events.models import DeliveryAttempt, WebhookEndpoint


class WebhookCreateSerializer(serializers.Serializer):
    """`{url, events}`: an http(s) URL without credentials that resolves to public addresses
    (at most 2,000 characters), and the event types to receive."""

    url = serializers.CharField(max_length=MAX_URL_CHARS, trim_whitespace=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), allow_empty=False, max_length=20
    )


class WebhookSerializer(serializers.ModelSerializer):
    """An endpoint as listed: never its secret."""

    enabled = serializers.SerializerMethodField()
    events = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "enabled", "disabled_reason", "created_at"]

    def get_enabled(self, endpoint) -> bool:
        return endpoint.disabled_at is None


class WebhookCreatedSerializer(WebhookSerializer):
    """The created endpoint with its signing `secret` (`whsec_…`), shown this once."""

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    """One attempt: `status_code` is null when no HTTP answer came (then `error` says why);
    `next_attempt_at` is when the retry after a failed attempt is due."""

    event_id = serializers.UUIDField(source="delivery.event_id")
    type = serializers.CharField(source="delivery.event.type")
    delivered_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = DeliveryAttempt
        fields = [
            "event_id",
            "type",
            "status_code",
            "attempt",
            "succeeded",
            "error",
            "duration_ms",
            "delivered_at",
            "next_attempt_at",
        ]
