"""What clients send to and get from the generation endpoints (API.md, "Generation")."""

import math

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.storage import object_file_url, servable_refs
from generation.formats import ASPECT_SIZES, MAX_SECONDS, MIN_SECONDS, SIZES, aspect_of
from generation.models import GenerationJob
from generation.services.jobs import MAX_PROMPT_CHARS, MAX_SEED
from generation.services.publishing import job_file_ref
from generation.storyboard import (
    CAMERA_MOVES,
    MAX_LENGTHS,
    MAX_SHOTS,
    MIN_USER_SHOT_SECONDS,
    InvalidStoryboard,
    finish_storyboard,
)


def _shot_text(field: str, *, required: bool = False) -> serializers.CharField:
    """A free-text shot field. DRF's CharField refuses NUL and lone surrogates by itself (its
    default validators): text that PostgreSQL cannot store nor UTF-8 encode never gets in."""
    return serializers.CharField(max_length=MAX_LENGTHS[field], allow_blank=True, required=required)


class ShotSerializer(serializers.Serializer):
    """One shot of a storyboard; `index` is renumbered 1..n. `constraints` are the cameo
    owners' instructions, which the server attaches to every shot."""

    index = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SHOTS * 100)
    seconds = serializers.FloatField(min_value=MIN_USER_SHOT_SECONDS, max_value=MAX_SECONDS)
    camera = serializers.ChoiceField(choices=list(CAMERA_MOVES))
    subject = _shot_text("subject", required=True)
    action = _shot_text("action", required=True)
    dialogue = _shot_text("dialogue")
    caption = _shot_text("caption")
    notes = _shot_text("notes")
    # Set by the server (the cameo owners' instructions); what a client sends here is ignored.
    constraints = serializers.ListField(child=serializers.CharField(), read_only=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({str(k): ["Unknown field."] for k in unknown})
        return super().to_internal_value(data)

    def validate_seconds(self, value):
        if not math.isfinite(value):  # "nan" as a string gets past FloatField and min_value
            raise serializers.ValidationError("Must be a finite number.")
        return value

    def validate(self, attrs):
        if not attrs["subject"].strip() and not attrs["action"].strip():
            raise serializers.ValidationError({"action": ["Subject or action must not be empty."]})
        return attrs


class GenerationCreateSerializer(serializers.Serializer):
    """POST generations. `aspect` ("9:16" → 720x1280, "16:9" → 1280x720) or `size` (one of
    OpenAI's four sizes) picks the frame; `storyboard`, when given, is used as is (its shots'
    seconds must add up to `seconds`). Every text passes the content gate at creation."""

    prompt = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS, default=8)
    aspect = serializers.ChoiceField(choices=list(ASPECT_SIZES), required=False)
    size = serializers.ChoiceField(choices=list(SIZES), required=False)
    cameos = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=10, required=False, default=list
    )
    remix_of = serializers.UUIDField(required=False, allow_null=True)
    # A ListSerializer built by hand: `ShotSerializer(many=True, allow_null=True)` would pass
    # allow_null to every shot too, letting `[shot, null]` through.
    storyboard = serializers.ListSerializer(
        child=ShotSerializer(),
        required=False,
        allow_null=True,
        allow_empty=False,
        max_length=MAX_SHOTS,
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=MAX_SEED, required=False, allow_null=True
    )
    model = serializers.CharField(max_length=40, required=False, help_text="An id from GET models.")
    variants = serializers.IntegerField(
        min_value=1,
        max_value=4,
        required=False,
        help_text="Candidates to make (1 when left out), each its own job, seed and charge; "
        "more than 1 answers `{jobs: [...]}` and groups them (`variant_group`).",
    )
    # Multipart only (the other fields then as form fields, cameos and storyboard as JSON).
    reference_image = serializers.FileField(required=False, write_only=True)
    extend = serializers.UUIDField(
        required=False,
        help_text="One of the caller's succeeded jobs to continue from its last frame: the "
        "result is that clip plus `seconds` new seconds in one file (charged by the new "
        "seconds). `storyboard`, when given, is the new part's.",
    )

    def validate(self, attrs):
        aspect, size = attrs.pop("aspect", None), attrs.get("size")
        if aspect and size and aspect_of(size) != aspect:
            raise serializers.ValidationError({"size": ["Does not match `aspect`."]})
        attrs["size"] = size or ASPECT_SIZES[aspect or "9:16"]
        if attrs.get("extend") and (attrs.get("remix_of") or attrs.get("reference_image")):
            raise serializers.ValidationError(
                {"extend": ["An extension starts from its clip: no remix_of or reference_image."]}
            )
        if attrs.get("storyboard"):
            try:
                attrs["storyboard"] = finish_storyboard(attrs["storyboard"], attrs["seconds"])
            except InvalidStoryboard as exc:
                raise serializers.ValidationError({"storyboard": [exc.message]}) from None
        return attrs


class StitchCreateSerializer(serializers.Serializer):
    """POST generations/stitch: 2-8 of the caller's succeeded jobs, joined in this order with
    cuts, or with `crossfade` seconds of crossfade at each join (each then overlaps the two
    clips: the result is shorter by that much). Not charged: nothing new is rendered."""

    parts = serializers.ListField(child=serializers.UUIDField(), min_length=2, max_length=8)
    crossfade = serializers.FloatField(min_value=0.0, max_value=1.0, default=0.0)

    def validate_crossfade(self, value):
        if not math.isfinite(value):
            raise serializers.ValidationError("Must be a finite number.")
        return value


class JobParentSerializer(serializers.Serializer):
    job_id = serializers.UUIDField(source="parent_id")
    relation = serializers.CharField()


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class GenerationJobSerializer(serializers.ModelSerializer):
    """A job as its owner sees it. `video_url`/`thumbnail_url` are signed, expiring URLs."""

    cameos = serializers.SerializerMethodField()
    storyboard = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()
    parents = JobParentSerializer(source="parent_links", many=True, read_only=True)

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "kind",
            "parents",
            "status",
            "progress",
            "prompt",
            "seconds",
            "aspect",
            "size",
            "seed",
            "provider",
            "model",
            "storyboard",
            "cameos",
            "remix_of",
            "variant_group",
            "error",
            "video_url",
            "thumbnail_url",
            "preview_url",
            "sha256",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_cameos(self, job) -> list[str]:
        return [use.cameo.mention for use in job.job_cameos.all()]

    @extend_schema_field(ShotSerializer(many=True))
    def get_storyboard(self, job) -> list[dict]:
        """The shots as planned (or as sent) and rendered, `constraints` attached."""
        return job.storyboard or []

    @extend_schema_field(JobErrorSerializer(allow_null=True))
    def get_error(self, job):
        if not job.error_code:
            return None
        return {"code": job.error_code, "message": job.error_message}

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_video_url(self, job) -> str | None:
        return self._file_url(job, job.video_file)

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_thumbnail_url(self, job) -> str | None:
        return self._file_url(job, job.thumbnail_file)

    @extend_schema_field({"type": "string", "format": "uri-reference", "nullable": True})
    def get_preview_url(self, job) -> str | None:
        return self._file_url(job, job.preview_file)

    def _file_url(self, job, name: str) -> str | None:
        """An object-bound URL while the job's files may be shown, else None: once its video
        is taken down, removed or deleted the author gets no URL either (files follow their
        object, config/storage.py)."""
        if not name or job.status != GenerationJob.Status.SUCCEEDED:
            return None
        ref = job_file_ref(job.pk)
        if ref not in self._shown_refs(ref):
            return None
        return object_file_url(name, ref=ref)

    def _shown_refs(self, ref: str) -> set[str]:
        # Asked once per page: the list's jobs are resolved together (one query).
        shown = getattr(self, "_shown", None)
        if shown is None or ref not in self._asked:
            page = getattr(self.parent, "instance", None) or []
            self._asked = {ref, *(job_file_ref(j.pk) for j in page if hasattr(j, "pk"))}
            self._shown = shown = servable_refs(self._asked)
        return shown


class StoryboardPlanRequestSerializer(serializers.Serializer):
    """POST storyboards/plan: a sentence or a pasted script, and the clip's length."""

    text = serializers.CharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS, default=8)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, default=0)


class StoryboardPlanSerializer(serializers.Serializer):
    shots = ShotSerializer(many=True)


class QuotaSerializer(serializers.Serializer):
    daily_limit = serializers.IntegerField()
    used_today = serializers.IntegerField()
    remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField()
