"""What clients send and get for the account lifecycle: API keys, export, erasure."""

from rest_framework import serializers

from accounts.models import ApiKey, Export
from accounts.services.exports import export_download_url


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


class EraseSerializer(serializers.Serializer):
    """DELETE me: `{password}`, the account's password again."""

    password = serializers.CharField(trim_whitespace=False)


class ErasedSerializer(serializers.Serializer):
    """What DELETE me answers: the account is erased (its files go right after)."""

    status = serializers.CharField(help_text='Always "erased".')
    erased_at = serializers.DateTimeField()


class ExportSerializer(serializers.ModelSerializer):
    """An export of my data. `download_url` (a signed URL that honours Range, living
    EXPORT_URL_EXPIRES seconds) is set once `status` is `succeeded`, until `expires_at`."""

    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "status",
            "download_url",
            "size",
            "created_at",
            "finished_at",
            "expires_at",
        ]
        read_only_fields = fields

    def get_download_url(self, export) -> str | None:
        return export_download_url(export)


class ExportCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Export
        fields = ["id", "status"]
        read_only_fields = fields
