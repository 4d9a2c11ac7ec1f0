"""What clients send to and get from the accounts endpoints (API.md, "Accounts")."""

import re

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import HANDLE_PATTERN, Follow, Notification, User
from config.storage import file_url


class RegisterSerializer(serializers.Serializer):
    """`{handle, email, password, display_name?, birth_date?}`; handle is stored lowercased."""

    handle = serializers.CharField(max_length=30, help_text="3–30 of [a-z0-9_], any case.")
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    display_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)

    def validate_handle(self, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(HANDLE_PATTERN, value):
            raise serializers.ValidationError(
                "3–30 characters: letters, digits and underscores.", code="invalid_handle"
            )
        return value

    def validate_birth_date(self, value):
        if value is not None and value > timezone.localdate():
            raise serializers.ValidationError("Birth date cannot be in the future.")
        return value


class AvatarURLMixin(serializers.Serializer):
    avatar_url = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_avatar_url(self, obj) -> str | None:
        return file_url(obj.avatar) if obj.avatar else None


class UserSummarySerializer(AvatarURLMixin, serializers.ModelSerializer):
    """A user as shown inside other objects (lists, notifications, authors)."""

    class Meta:
        model = User
        fields = ["id", "handle", "display_name", "avatar_url"]
        read_only_fields = fields


def _annotated(obj, name: str, default=False) -> bool:
    return bool(getattr(obj, name, default))


class ProfileSerializer(AvatarURLMixin, serializers.ModelSerializer):
    """A public profile: `{id, handle, display_name, bio, avatar_url, follower_count,
    following_count, has_cameo, followed_by_me, follows_me}`."""

    has_cameo = serializers.SerializerMethodField()
    followed_by_me = serializers.SerializerMethodField()
    follows_me = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "handle",
            "display_name",
            "bio",
            "avatar_url",
            "follower_count",
            "following_count",
            "has_cameo",
            "followed_by_me",
            "follows_me",
            "date_joined",
        ]
        read_only_fields = fields

    def get_has_cameo(self, obj) -> bool:
        return _annotated(obj, "has_cameo")

    def get_followed_by_me(self, obj) -> bool:
        return _annotated(obj, "followed_by_me")

    def get_follows_me(self, obj) -> bool:
        return _annotated(obj, "follows_me")


class MeSerializer(ProfileSerializer):
    """The caller's own profile (GET me): the public profile plus private fields."""

    class Meta(ProfileSerializer.Meta):
        fields = [
            f for f in ProfileSerializer.Meta.fields if f not in ("followed_by_me", "follows_me")
        ] + ["email", "birth_date", "is_suspended", "suspended_until"]
        read_only_fields = fields

    is_suspended = serializers.BooleanField(read_only=True)


class MeUpdateSerializer(serializers.ModelSerializer):
    """PATCH me: `display_name`, `bio` (JSON or multipart) and `avatar` (multipart image).

    The avatar must be a JPEG, PNG or WebP of at most AVATAR_MAX_BYTES and AVATAR_MAX_PIXELS;
    it is re-encoded to a square AVATAR_SIZE image without metadata. Send `avatar` empty to
    remove it.
    """

    avatar = serializers.FileField(required=False, allow_empty_file=True, allow_null=True)

    class Meta:
        model = User
        fields = ["display_name", "bio", "avatar"]
        extra_kwargs = {"display_name": {"required": False}, "bio": {"required": False}}

    def validate_avatar(self, upload):
        """Sanitize here so a bad image is a 400 on `avatar` before anything is written."""
        if upload is None or getattr(upload, "size", 1) == 0:
            return b""  # remove the avatar
        from media.errors import InvalidMedia
        from media.images import sanitize_image

        try:
            return sanitize_image(
                upload,
                max_bytes=settings.AVATAR_MAX_BYTES,
                max_pixels=settings.AVATAR_MAX_PIXELS,
                size=settings.AVATAR_SIZE,
            )
        except InvalidMedia as error:
            raise serializers.ValidationError(error.message, code=error.code) from None


class FollowEdgeSerializer(serializers.Serializer):
    """One row of a followers/following list: the other user plus when the follow started."""

    side = "follower"  # which end of the Follow row is listed

    id = serializers.SerializerMethodField()
    handle = serializers.SerializerMethodField()
    display_name = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    followed_by_me = serializers.SerializerMethodField()
    followed_at = serializers.DateTimeField(source="created_at", read_only=True)

    def _user(self, edge: Follow) -> User:
        return getattr(edge, self.side)

    def get_id(self, edge) -> int:
        return self._user(edge).pk

    def get_handle(self, edge) -> str:
        return self._user(edge).handle

    def get_display_name(self, edge) -> str:
        return self._user(edge).display_name

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_avatar_url(self, edge) -> str | None:
        avatar = self._user(edge).avatar
        return file_url(avatar) if avatar else None

    def get_followed_by_me(self, edge) -> bool:
        return _annotated(edge, "followed_by_me")


class FollowerSerializer(FollowEdgeSerializer):
    side = "follower"


class FollowingSerializer(FollowEdgeSerializer):
    side = "followee"


class NotificationSerializer(serializers.ModelSerializer):
    """`{id, kind, actor, data, read, read_at, created_at}`; actor is null for system notices."""

    actor = UserSummarySerializer(read_only=True, allow_null=True)
    data = serializers.DictField(
        read_only=True, help_text="What the notice is about; its keys depend on `kind`."
    )
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "data", "read", "read_at", "created_at"]
        read_only_fields = fields

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshRequestSerializer(serializers.Serializer):
    """POST auth/token/refresh and auth/logout: `{refresh}`."""

    refresh = serializers.CharField(max_length=4096)


class PasswordChangeSerializer(serializers.Serializer):
    """POST me/password: `{old_password, new_password}`; the new one passes Django's validators."""

    old_password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class RegisterResponseSerializer(serializers.Serializer):
    user = MeSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class BlockStatusSerializer(serializers.Serializer):
    handle = serializers.CharField()
    blocked = serializers.BooleanField()


class MarkedReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField()
