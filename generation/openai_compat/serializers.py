"""OpenAI Videos API shapes (the `openai` SDK's `Video`, `VideoDeleteResponse`, list page)."""

import time

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from config.storage import servable_refs
from generation.formats import MAX_SECONDS, MIN_SECONDS, SIZES
from generation.models import GenerationJob
from generation.services.jobs import MAX_PROMPT_CHARS
from generation.services.publishing import job_file_ref

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


class VideoReferenceSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=64, help_text="One of your completed videos.")


class VideoEditSerializer(serializers.Serializer):
    """POST /v1/videos/edits as the SDK's `videos.edit` sends it: `prompt` and `video`, either
    a reference `{"id": …}` (in the SDK's multipart form the field `video[id]`) or an uploaded
    MP4 (multipart file `video`: limited like a cameo clip, output-checked, no human face)."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    video = VideoReferenceSerializer(help_text="`{id}`, or (multipart) an MP4 file.")

    def to_internal_value(self, data):
        upload = None
        if hasattr(data, "getlist"):  # a multipart form: `video[id]` or the file `video`
            form = {key: data.get(key) for key in data}
            if "video[id]" in form:
                form["video"] = {"id": form.pop("video[id]")}
            elif hasattr(form.get("video"), "read"):
                upload = form.pop("video")
                form["video"] = {"id": "upload"}
            data = form
        attrs = super().to_internal_value(data)
        attrs["video_id"] = None if upload else attrs.pop("video")["id"]
        attrs.pop("video", None)
        attrs["upload"] = upload
        return attrs


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
        """When a file URL handed out now would expire (STORAGE_URL_EXPIRES from now), for a
        completed video whose files may be shown; null otherwise (nothing to download)."""
        if job.status != GenerationJob.Status.SUCCEEDED or not job.video_file:
            return None
        ref = job_file_ref(job.pk)
        if ref not in self._shown_refs(ref):
            return None
        return int(time.time()) + int(settings.STORAGE_URL_EXPIRES)

    def _shown_refs(self, ref: str) -> set[str]:
        # One servable_refs call per page (a list's jobs are resolved together).
        if getattr(self, "_asked", None) is None or ref not in self._asked:
            page = getattr(self.parent, "instance", None) or []
            self._asked = {ref, *(job_file_ref(j.pk) for j in page if hasattr(j, "pk"))}
            self._shown = servable_refs(self._asked)
        return self._shown

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


@extend_schema_serializer(component_name="OpenAICharacterCreate")
class CharacterCreateSerializer(serializers.Serializer):
    """POST /v1/videos/characters, the multipart form `videos.create_character` sends."""

    name = serializers.CharField(max_length=80)
    video = serializers.FileField(allow_empty_file=False)


class CharacterObjectSerializer(serializers.Serializer):
    """The SDK's `VideoCreateCharacterResponse` / `VideoGetCharacterResponse`: `id` is the
    character's @handle (derived from the name); `status` is Cutaway's verification state
    (an extra field the SDK keeps)."""

    id = serializers.CharField(source="handle")
    name = serializers.CharField()
    created_at = serializers.SerializerMethodField()
    status = serializers.CharField()

    def get_created_at(self, character) -> int:
        return _unix(character.created_at)
