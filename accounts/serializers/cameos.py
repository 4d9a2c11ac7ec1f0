"""What clients send and get for cameos, grants, the consent ledger and available cameos."""

from rest_framework import serializers

from accounts.ledger import event_canonical
from accounts.models import Cameo, CameoGrant, ConsentEvent


class CameoSerializer(serializers.ModelSerializer):
    """The caller's own cameo. The source clip is private: no URL is ever returned."""

    class Meta:
        model = Cameo
        fields = [
            "id",
            "status",
            "permission",
            "instructions",
            "rejection_reason",
            "created_at",
            "verified_at",
        ]
        read_only_fields = fields


class CameoCreateSerializer(serializers.Serializer):
    """Multipart: `video` (the owner's clip, MP4) and `consent=true`."""

    video = serializers.FileField(allow_empty_file=False)
    consent = serializers.BooleanField()


class CameoSettingsSerializer(serializers.Serializer):
    """PATCH: any of `permission` and `instructions` (at most 1000 characters)."""

    permission = serializers.ChoiceField(choices=Cameo.Permission.choices, required=False)
    instructions = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, trim_whitespace=False
    )


class GrantSerializer(serializers.ModelSerializer):
    handle = serializers.CharField(source="grantee.handle", read_only=True)
    display_name = serializers.CharField(source="grantee.display_name", read_only=True)

    class Meta:
        model = CameoGrant
        fields = ["handle", "display_name", "created_at"]
        read_only_fields = fields


class GrantCreateSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=31)


class ConsentEventSerializer(serializers.ModelSerializer):
    """One ledger entry, with `canonical`: the text its hash covers (accounts/ledger.py).

    The hash covers `seq, action, actor_ref (as "actor"), at, data, prev_hash, cameo`: ids and
    system values only. `actor` (the acting user's handle) and `details` (personal values such
    as a grantee's handle or the instructions' text, with the salt of `data.private_hmac`) are
    outside the hash, and are blank once the person they name erased their account.
    """

    actor = serializers.CharField(source="actor_handle", read_only=True)
    actor_ref = serializers.CharField(read_only=True)
    at = serializers.DateTimeField(read_only=True)
    canonical = serializers.SerializerMethodField()
    data = serializers.DictField(
        read_only=True, help_text="The event's ids and digests (grantee id, job, video...); hashed."
    )
    details = serializers.DictField(read_only=True)
    cameo = serializers.UUIDField(source="cameo_id", read_only=True)
    details = serializers.DictField(read_only=True)

    class Meta:
        model = ConsentEvent
        fields = [
            "seq",
            "action",
            "actor",
            "actor_ref",
            "at",
            "data",
            "details",
            "canonical",
            "cameo",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    def get_canonical(self, event) -> str:
        """The exact text the hash covers: `hash = sha256(prev_hash + canonical)`. Its `at` is
        the canonical microsecond form and its `actor` the actor_ref (accounts/ledger.py); the
        event's own `at` is in the API's one timestamp format, the same instant to the
        millisecond."""
        return event_canonical(event)


class AvailableCameoSerializer(serializers.ModelSerializer):
    """A cameo or character the caller may use: `handle` is what a prompt names it by (the
    owner's for a person, the character's own otherwise); `owner` is whose it is."""

    handle = serializers.CharField(source="mention", read_only=True)
    display_name = serializers.CharField(source="owner.display_name", read_only=True)
    owner = serializers.CharField(source="owner.handle", read_only=True)

    class Meta:
        model = Cameo
        fields = ["handle", "kind", "name", "owner", "display_name", "instructions"]
        read_only_fields = fields
