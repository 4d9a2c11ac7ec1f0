"""What clients send to and get from the feed endpoints (API.md, "Videos and feed")."""

from rest_framework import serializers

from config.storage import file_url
from feed.models import Comment, Video
from feed.services import MAX_COMMENT_CHARS, MAX_WATCHED_MS


class AuthorSerializer(serializers.Serializer):
    """The byline of a video or comment: `{id, handle, display_name, avatar_url}`."""

    id = serializers.IntegerField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    avatar_url = serializers.SerializerMethodField()

    def get_avatar_url(self, user) -> str | None:
        return file_url(user.avatar)


class CameoRefSerializer(serializers.Serializer):
    id = serializers.CharField()
    handle = serializers.CharField()


class VideoSerializer(serializers.Serializer):
    """A published video. `liked_by_me` and `cameos` come precomputed for the whole page
    (feed.selectors.with_page_data), so a page costs the same queries whatever it holds."""

    id = serializers.UUIDField(read_only=True)
    author = AuthorSerializer(read_only=True)
    caption = serializers.CharField(read_only=True)
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, read_only=True)
    status = serializers.ChoiceField(choices=Video.Status.choices, read_only=True)
    duration = serializers.FloatField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    remix_count = serializers.IntegerField(read_only=True)
    view_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.SerializerMethodField()
    remix_of = serializers.UUIDField(source="remix_of_id", read_only=True, allow_null=True)
    cameos = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True)

    def get_video_url(self, video) -> str | None:
        return file_url(video.job.video_file)

    def get_thumbnail_url(self, video) -> str | None:
        return file_url(video.job.thumbnail_file)

    def get_liked_by_me(self, video) -> bool:
        return bool(getattr(video, "liked_by_me", False))

    def get_cameos(self, video) -> list[dict]:
        return list(getattr(video, "cameo_list", []))


class PublishSerializer(serializers.Serializer):
    """POST videos: `{generation, caption?, visibility?}`."""

    generation = serializers.UUIDField()
    caption = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(
        choices=Video.Visibility.choices, required=False, default=Video.Visibility.PUBLIC
    )


class VideoUpdateSerializer(serializers.Serializer):
    """PATCH videos/{id}: `{caption?, visibility?}` (author only)."""

    caption = serializers.CharField(max_length=500, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, required=False)


class CommentSerializer(serializers.ModelSerializer):
    """`{id, author, body, parent, created_at}`; replies carry their top-level `parent`."""

    author = AuthorSerializer(read_only=True)
    video = serializers.UUIDField(source="video_id", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "video", "author", "body", "parent", "created_at"]
        read_only_fields = fields


class CommentCreateSerializer(serializers.Serializer):
    """POST videos/{id}/comments: `{body, parent?}`; body 1–500 characters after trimming."""

    body = serializers.CharField(max_length=MAX_COMMENT_CHARS)
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ViewSerializer(serializers.Serializer):
    """POST videos/{id}/view: `{watched_ms}` in 0..3,600,000."""

    watched_ms = serializers.IntegerField(min_value=0, max_value=MAX_WATCHED_MS)


class ExplainSerializer(serializers.Serializer):
    score = serializers.FloatField()
    components = serializers.DictField(child=serializers.FloatField())
    reasons = serializers.ListField(child=serializers.CharField())
