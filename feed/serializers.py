"""What clients send to and get from the feed endpoints (API.md, "Videos and feed")."""

import posixpath
import time
from functools import lru_cache

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.storage import file_url, object_file_url, object_folder_url
from feed.captions import caption_entities
from feed.models import Comment, Video
from feed.services import MAX_COMMENT_CHARS, MAX_WATCHED_MS
from generation.services.publishing import job_file_ref

URL_REUSE_SECONDS = 60


@lru_cache(maxsize=20_000)
def _signed_url(name: str, ref: str | None, backend: str, bucket: int) -> str | None:
    if ref is None:
        return file_url(name)
    return object_file_url(name, ref=ref)


def cached_file_url(name: str, *, ref: str | None = None) -> str | None:
    """file_url (object_file_url when the file follows the object `ref`), reused for up to
    URL_REUSE_SECONDS per file and process.

    Signing (zlib + HMAC locally, SigV4 on S3) was a third of a feed page's time; the same
    popular videos appear on every user's page, so a URL signed a minute ago (its expiry
    shortened by at most that minute) is handed out again. Reuse is safe for object-bound
    URLs: serving checks the object's state on every request, not when the URL was signed.
    """
    if not name:
        return None
    bucket = int(time.time() // URL_REUSE_SECONDS)
    return _signed_url(name, ref, settings.STORAGE_BACKEND, bucket)


@lru_cache(maxsize=20_000)
def _signed_folder_url(folder: str, entry: str, ref: str, backend: str, bucket: int) -> str | None:
    return object_folder_url(folder, entry, ref=ref)


def cached_hls_url(master_name: str, *, ref: str) -> str | None:
    """The HLS master playlist's URL (a folder token: its relative URIs stay under it),
    reused like cached_file_url; None for a video without HLS (not backfilled yet)."""
    if not master_name:
        return None
    folder, entry = posixpath.split(master_name)
    bucket = int(time.time() // URL_REUSE_SECONDS)
    return _signed_folder_url(folder, entry, ref, settings.STORAGE_BACKEND, bucket)


class RenditionSerializer(serializers.Serializer):
    """One size of a video: `{width, height, bitrate (bits/s), url}`."""

    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    bitrate = serializers.IntegerField(read_only=True, help_text="Average bits per second.")
    url = serializers.CharField(read_only=True, help_text="A signed file URL (Range, ETag).")


class AuthorSerializer(serializers.Serializer):
    """The byline of a video or comment: `{id, handle, display_name, avatar_url}`."""

    id = serializers.IntegerField(read_only=True)
    handle = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)
    avatar_url = serializers.SerializerMethodField()

    def get_avatar_url(self, user) -> str | None:
        return cached_file_url(user.avatar)


class VideoCameoSerializer(serializers.Serializer):
    """A cameo a video carries: the cameo's id and its owner's handle."""

    id = serializers.UUIDField()
    handle = serializers.CharField()


class CaptionEntitySerializer(serializers.Serializer):
    """A link inside the caption: `start`/`end` in UTF-16 code units (end exclusive), covering
    the `#` and the tag as typed; `tag` is its case-folded name (GET hashtags/{tag})."""

    type = serializers.ChoiceField(choices=["hashtag"])
    tag = serializers.CharField()
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)


class VideoSerializer(serializers.Serializer):
    """A published video. `liked_by_me` and `cameos` come precomputed for the whole page
    (feed.selectors.with_page_data), so a page costs the same queries whatever it holds."""

    id = serializers.UUIDField(read_only=True)
    author = AuthorSerializer(read_only=True)
    caption = serializers.CharField(read_only=True)
    caption_entities = CaptionEntitySerializer(many=True, read_only=True)
    visibility = serializers.ChoiceField(choices=Video.Visibility.choices, read_only=True)
    status = serializers.ChoiceField(choices=Video.Status.choices, read_only=True)
    duration = serializers.FloatField(read_only=True)
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    renditions = RenditionSerializer(
        many=True,
        read_only=True,
        help_text="Every encoded size, largest (the original) first; empty for a video rendered "
        "before renditions until `manage.py backfill_renditions` ran.",
    )
    hls_url = serializers.SerializerMethodField(
        help_text="HLS master playlist over the renditions (fMP4 segments); null without HLS."
    )
    like_count = serializers.IntegerField(read_only=True)
    comment_count = serializers.IntegerField(read_only=True)
    remix_count = serializers.IntegerField(read_only=True)
    view_count = serializers.IntegerField(read_only=True)
    liked_by_me = serializers.SerializerMethodField()
    remix_of = serializers.UUIDField(source="remix_of_id", read_only=True, allow_null=True)
    cameos = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField(read_only=True)

    def get_video_url(self, video) -> str | None:
        return cached_file_url(video.job.video_file, ref=job_file_ref(video.job_id))

    def get_thumbnail_url(self, video) -> str | None:
        return cached_file_url(video.job.thumbnail_file, ref=job_file_ref(video.job_id))

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_hls_url(self, video) -> str | None:
        return cached_hls_url(video.job.hls_file, ref=job_file_ref(video.job_id))

    def get_liked_by_me(self, video) -> bool:
        return bool(getattr(video, "liked_by_me", False))

    @extend_schema_field(VideoCameoSerializer(many=True))
    def get_cameos(self, video) -> list[dict]:
        return list(getattr(video, "cameo_list", []))

    def to_representation(self, video):
        # The declared fields above document the shape (OpenAPI); video_dict builds the same
        # dict directly, because the feed serializes thousands of these per second and DRF's
        # per-field machinery was half of a page's time (bench/feed.py).
        author, job = video.author, video.job
        return video_dict(
            video,
            author_id=author.id,
            handle=author.handle,
            display_name=author.display_name,
            avatar=author.avatar,
            video_file=job.video_file,
            thumbnail_file=job.thumbnail_file,
            hls_file=job.hls_file,
            liked_by_me=self.get_liked_by_me(video),
            cameos=self.get_cameos(video),
            renditions=getattr(video, "rendition_list", []),
        )


def video_dict(
    video,
    *,
    author_id,
    handle,
    display_name,
    avatar,
    video_file,
    thumbnail_file,
    hls_file,
    liked_by_me,
    cameos,
    renditions,
) -> dict:
    """VideoSerializer's representation, from a Video or a feed.selectors.PageRow (both carry
    `job_id`: the video's files follow its job, see config.storage.object_file_url)."""
    ref = job_file_ref(video.job_id)
    return {
        "id": str(video.id),
        "author": {
            "id": author_id,
            "handle": handle,
            "display_name": display_name,
            "avatar_url": cached_file_url(avatar),
        },
        "caption": video.caption,
        "caption_entities": caption_entities(video.caption),
        "visibility": video.visibility,
        "status": video.status,
        "duration": video.duration,
        "width": video.width,
        "height": video.height,
        "video_url": cached_file_url(video_file, ref=ref),
        "thumbnail_url": cached_file_url(thumbnail_file, ref=ref),
        "renditions": [
            {
                "width": r["width"],
                "height": r["height"],
                "bitrate": r["bitrate"],
                "url": cached_file_url(r["video_file"], ref=ref),
            }
            for r in renditions
        ],
        "hls_url": cached_hls_url(hls_file, ref=ref),
        "like_count": video.like_count,
        "comment_count": video.comment_count,
        "remix_count": video.remix_count,
        "view_count": video.view_count,
        "liked_by_me": liked_by_me,
        "remix_of": str(video.remix_of_id) if video.remix_of_id else None,
        "cameos": cameos,
        "published_at": video.published_at,  # written by config/renderers.py
    }


def page_row_dict(row, cameos: list, renditions: list) -> dict:
    """VideoSerializer's representation of a feed.selectors.PageRow (no model instances)."""
    return video_dict(
        row,
        author_id=row.author_id,
        handle=row.author__handle,
        display_name=row.author__display_name,
        avatar=row.author__avatar,
        video_file=row.job__video_file,
        thumbnail_file=row.job__thumbnail_file,
        hls_file=row.job__hls_file,
        liked_by_me=bool(row.liked_by_me),
        cameos=cameos,
        renditions=renditions,
    )


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


# Comment ids are BigAutoField: a larger number is no comment, and would overflow the column.
MAX_COMMENT_ID = 2**63 - 1


class CommentCreateSerializer(serializers.Serializer):
    """POST videos/{id}/comments: `{body, parent?}`; body 1–500 characters after trimming."""

    body = serializers.CharField(max_length=MAX_COMMENT_CHARS)
    parent = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_COMMENT_ID
    )


class CommentListQuerySerializer(serializers.Serializer):
    """GET videos/{id}/comments: `?parent=<id>` lists one thread's replies."""

    parent = serializers.IntegerField(required=False, min_value=1, max_value=MAX_COMMENT_ID)


class ViewSerializer(serializers.Serializer):
    """POST videos/{id}/view: `{watched_ms}` in 0..3,600,000."""

    watched_ms = serializers.IntegerField(min_value=0, max_value=MAX_WATCHED_MS)


class ExplainSerializer(serializers.Serializer):
    score = serializers.FloatField()
    components = serializers.DictField(child=serializers.FloatField())
    reasons = serializers.ListField(child=serializers.CharField())
