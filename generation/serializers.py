"""What clients send to and get from the generation endpoints (API.md, "Generation")."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.storage import object_file_url, servable_refs
from generation.models import MAX_SECONDS, MIN_SECONDS, SIZES, GenerationJob
from generation.services.jobs import ASPECT_SIZES, MAX_PROMPT_CHARS, MAX_SEED
from generation.services.publishing import job_file_ref


class ShotSerializer(serializers.Serializer):
    """One shot of a storyboard."""

    index = serializers.IntegerField(required=False)
    seconds = serializers.FloatField()
    camera = serializers.CharField(required=False)
    subject = serializers.CharField(required=False, allow_blank=True)
    action = serializers.CharField(required=False, allow_blank=True)
    dialogue = serializers.CharField(required=False, allow_blank=True)
    caption = serializers.CharField(required=False, allow_blank=True)


class NoNulCharField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if "\x00" in value:
            raise serializers.ValidationError("Must not contain NUL characters.")
        return value


class GenerationCreateSerializer(serializers.Serializer):
    """POST generations. `aspect` ("9:16" → 720x1280, "16:9" → 1280x720) or `size` (one of
    OpenAI's four sizes) picks the frame; `storyboard`, when given, is used as is."""

    prompt = NoNulCharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS, default=8)
    aspect = serializers.ChoiceField(choices=list(ASPECT_SIZES), required=False)
    size = serializers.ChoiceField(choices=list(SIZES), required=False)
    cameos = serializers.ListField(
        child=serializers.CharField(max_length=30), max_length=10, required=False, default=list
    )
    remix_of = serializers.UUIDField(required=False, allow_null=True)
    # Shots stay dicts: the storyboard module validates them (and says which shot is wrong).
    storyboard = serializers.ListField(
        child=serializers.DictField(), max_length=50, required=False, allow_null=True
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=MAX_SEED, required=False, allow_null=True
    )

    def validate(self, attrs):
        aspect, size = attrs.pop("aspect", None), attrs.get("size")
        if aspect and size and _aspect(size) != aspect:
            raise serializers.ValidationError({"size": ["Does not match `aspect`."]})
        attrs["size"] = size or ASPECT_SIZES[aspect or "9:16"]
        return attrs


def _aspect(size: str) -> str:
    width, height = (int(v) for v in size.split("x"))
    return "9:16" if height > width else "16:9"


class JobErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class GenerationJobSerializer(serializers.ModelSerializer):
    """A job as its owner sees it. `video_url`/`thumbnail_url` are signed, expiring URLs."""

    cameos = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    video_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField()

    class Meta:
        model = GenerationJob
        fields = [
            "id",
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
        return [use.cameo.owner.handle for use in job.job_cameos.all()]

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

    text = NoNulCharField(max_length=MAX_PROMPT_CHARS, trim_whitespace=True)
    seconds = serializers.IntegerField(min_value=MIN_SECONDS, max_value=MAX_SECONDS, default=8)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, default=0)


class StoryboardPlanSerializer(serializers.Serializer):
    shots = ShotSerializer(many=True)


class QuotaSerializer(serializers.Serializer):
    daily_limit = serializers.IntegerField()
    used_today = serializers.IntegerField()
    remaining = serializers.IntegerField()
    resets_at = serializers.DateTimeField()
