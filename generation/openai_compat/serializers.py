"""OpenAI Videos API shapes (the `openai` SDK's `Video`, `VideoDeleteResponse`, list page)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from generation.formats import MAX_SECONDS, MIN_SECONDS, SIZES
from generation.models import GenerationJob
from generation.services.jobs import MAX_PROMPT_CHARS

STATUS = {
    GenerationJob.Status.QUEUED: "queued",
    GenerationJob.Status.PLANNING: "in_progress",
    GenerationJob.Status.RENDERING: "in_progress",
    GenerationJob.Status.POST_PROCESSING: "in_progress",
    GenerationJob.Status.SUCCEEDED: "completed",
    GenerationJob.Status.FAILED: "failed",
    GenerationJob.Status.BLOCKED: "failed",
    GenerationJob.Status.CANCELLED: "failed",
}


def _unix(value) -> int | None:
    return int(value.timestamp()) if value else None


class VideoCreateSerializer(serializers.Serializer):
    """POST /v1/videos, as JSON or as the multipart form the SDK sends. `seconds` is a string
    there ("4", "8", "12"); any whole number of seconds from 4 to 25 is accepted here."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    model = serializers.CharField(max_length=64, required=False)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS, default=4)
    size = serializers.ChoiceField(choices=list(SIZES), default="720x1280")
    # A JPEG/PNG/WebP at exactly `size`, checked (limits, faces) by generation.references.
    input_reference = serializers.FileField(required=False)


class VideoExtendSerializer(serializers.Serializer):
    """POST /v1/videos/extensions as the SDK's `videos.extend` sends it (multipart): `prompt`,
    `seconds` of new video ("4", "8", "12"; any whole number from 4 is accepted while the
    whole clip stays within 25 s) and `video`: `{"id": …}` (one of the caller's completed
    videos; `video[id]` in the form) or an uploaded MP4."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS)
    video = serializers.JSONField(
        required=False, help_text='`{"id": "<video id>"}`, or the MP4 as a multipart file.'
    )


class VideoRemixSerializer(serializers.Serializer):
    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)


class VideoObjectSerializer(serializers.Serializer):
    """The OpenAI `Video` object for one job."""

    id = serializers.UUIDField()
    object = serializers.SerializerMethodField()
    model = serializers.CharField()
    status = serializers.SerializerMethodField()
    progress = serializers.IntegerField()
    prompt = serializers.CharField()
    created_at = serializers.SerializerMethodField()
    completed_at = serializers.SerializerMethodField()
    expires_at = serializers.SerializerMethodField()
    seconds = serializers.SerializerMethodField()
    size = serializers.ChoiceField(choices=list(SIZES))
    error = serializers.SerializerMethodField()
    remixed_from_video_id = serializers.SerializerMethodField()

    @extend_schema_field({"type": "string", "enum": ["video"]})
    def get_object(self, job) -> str:
        return "video"

    @extend_schema_field(
        {"type": "string", "enum": ["queued", "in_progress", "completed", "failed"]}
    )
    def get_status(self, job) -> str:
        return STATUS[job.status]

    def get_created_at(self, job) -> int:
        return _unix(job.created_at)

    def get_completed_at(self, job) -> int | None:
        return _unix(job.finished_at) if job.is_finished else None

    def get_expires_at(self, job) -> int | None:
        return None

    def get_seconds(self, job) -> str:
        return str(job.seconds)

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            "required": ["code", "message"],
        }
    )
    def get_error(self, job) -> dict | None:
        if job.status in (GenerationJob.Status.SUCCEEDED,) or not job.is_finished:
            return None
        return {"code": job.error_code or job.status, "message": job.error_message or job.status}

    def get_remixed_from_video_id(self, job) -> str | None:
        return (job.provenance or {}).get("remixed_from_job")


class VideoListSerializer(serializers.Serializer):
    object = serializers.CharField(default="list")
    data = VideoObjectSerializer(many=True)
    first_id = serializers.CharField(allow_null=True)
    last_id = serializers.CharField(allow_null=True)
    has_more = serializers.BooleanField()


class VideoDeletedSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="video.deleted")
    deleted = serializers.BooleanField()
