"""What clients send and get for the account lifecycle: API keys, export, erasure."""

from rest_framework import serializers

from accounts.models import ApiKey


class ApiKeyCreateSerializer(serializers.Serializer):
    """POST me/api-keys: `{name}`, a label for the person (1-100 characters)."""

    name = serializers.CharField(max_length=100)


class ApiKeySerializer(serializers.ModelSerializer):
    """One of my keys as lists show it: never the key itself, only its public `prefix`."""

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The answer to a creation: also the `key`, shown this once (only its hash is stored)."""

    key = serializers.CharField(read_only=True)

    class Meta(ApiKeySerializer.Meta):
        fields = ["id", "name", "key", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields
