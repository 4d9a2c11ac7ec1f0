"""What clients send and get for characters (non-human cameos with their own @handle)."""

from rest_framework import serializers

from accounts.models import Cameo
from accounts.services.characters import CHARACTER_KINDS, NAME_MAX


class CharacterSerializer(serializers.ModelSerializer):
    """A character: its owner sees it in any status; others see it only while its
    permission lets them use it (then it is `active`). The source and the picture are
    private: no URL to either is ever returned."""

    owner = serializers.CharField(source="owner.handle", read_only=True)

    class Meta:
        model = Cameo
        fields = [
            "id",
            "handle",
            "name",
            "kind",
            "owner",
            "status",
            "permission",
            "instructions",
            "rejection_reason",
            "created_at",
            "verified_at",
        ]
        read_only_fields = fields


class CharacterCreateSerializer(serializers.Serializer):
    """Multipart: exactly one of `image` (JPEG/PNG/WebP) or `video` (MP4), and the fields.

    `handle` shares one namespace with users' handles (any letter case); `kind` is one of
    pet, object, drawing, other (people are cameos); `permission` defaults to only_me.
    Checked by accounts.services.characters.create_character, which names the bad field.
    """

    image = serializers.FileField(required=False, allow_empty_file=False)
    video = serializers.FileField(required=False, allow_empty_file=False)
    handle = serializers.CharField(max_length=31)
    name = serializers.CharField(max_length=NAME_MAX)
    kind = serializers.ChoiceField(choices=CHARACTER_KINDS, required=False)
    permission = serializers.ChoiceField(choices=Cameo.Permission.choices, required=False)
    instructions = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, trim_whitespace=False
    )


class CharacterUpdateSerializer(serializers.Serializer):
    """PATCH: any of `name`, `permission`, `instructions` (the handle and kind stay)."""

    name = serializers.CharField(max_length=NAME_MAX, required=False)
    permission = serializers.ChoiceField(choices=Cameo.Permission.choices, required=False)
    instructions = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, trim_whitespace=False
    )
