"""POST generations/{id}/edit (API.md, "Creation beyond one clip"): re-render the named shots
of a succeeded clip, keep the others' frames (generation.services.edits)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from generation import services
from generation.serializers import GenerationJobSerializer
from generation.services.edits import EDITABLE_FIELDS, create_edit
from generation.storyboard import CAMERA_MOVES, MAX_LENGTHS, MAX_SHOTS
from generation.views import ERRORS, IDEMPOTENCY_KEY, created_job_response


def _optional_text(field: str) -> serializers.CharField:
    return serializers.CharField(max_length=MAX_LENGTHS[field], required=False, allow_blank=True)


class ShotEditSerializer(serializers.Serializer):
    """One shot to re-render: its `index` (1-based, as the job's storyboard numbers it) and
    the fields that change. A shot's `seconds` cannot change (the kept shots would move)."""

    index = serializers.IntegerField(min_value=0, max_value=MAX_SHOTS * 100)
    subject = serializers.CharField(max_length=MAX_LENGTHS["subject"], required=False)
    action = serializers.CharField(max_length=MAX_LENGTHS["action"], required=False)
    caption = _optional_text("caption")
    dialogue = _optional_text("dialogue")
    notes = _optional_text("notes")
    camera = serializers.ChoiceField(choices=list(CAMERA_MOVES), required=False)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {
                str(k): [
                    "An edit keeps each shot's length; make a new generation to retime it."
                    if k == "seconds"
                    else f"Unknown field; an edit changes {', '.join(EDITABLE_FIELDS)}."
                ]
                for k in sorted(set(data) - set(self.fields), key=str)
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def validate(self, attrs):
        for key in ("subject", "action"):
            if key in attrs and not attrs[key].strip():
                raise serializers.ValidationError({key: ["Must not be empty."]})
        return attrs


class GenerationEditSerializer(serializers.Serializer):
    """POST generations/{id}/edit: `shots`, each `{index, ...changed fields}`."""

    shots = serializers.ListSerializer(
        child=ShotEditSerializer(), allow_empty=False, max_length=MAX_SHOTS
    )


def _flat_errors(errors) -> dict:
    """DRF's nested shot errors (a list, or a dict by position) as `shots[0].index` keys, the
    form every 400 of this endpoint uses."""
    shots = errors.get("shots") if isinstance(errors, dict) else None
    if isinstance(shots, list):
        shots = dict(enumerate(shots))
    if not isinstance(shots, dict):
        return errors
    flat: dict = {}
    for position, item in shots.items():
        if not isinstance(position, int) and not str(position).isdigit():
            flat.setdefault("shots", []).extend(item if isinstance(item, list) else [item])
        elif isinstance(item, dict):
            for key, value in item.items():
                flat[f"shots[{position}].{key}"] = value
        elif item:
            flat[f"shots[{position}]"] = item
    return flat or errors


class GenerationEditView(APIView):
    throttle_scope = "generation"

    @extend_schema(
        operation_id="generations_edit",
        tags=["generation"],
        summary="Re-render some shots of a succeeded job, keeping the others' frames",
        parameters=[IDEMPOTENCY_KEY],
        request=GenerationEditSerializer,
        responses={
            202: GenerationJobSerializer,
            200: GenerationJobSerializer,
            **ERRORS,
            404: OpenApiResponse(description="No such job of yours (or its clip was removed)."),
            409: OpenApiResponse(
                description="`job_not_succeeded` (only a finished clip can be edited) or "
                "`idempotency_key_reused`."
            ),
        },
    )
    def post(self, request, job_id):
        serializer = GenerationEditSerializer(data=request.data)
        if not serializer.is_valid():
            raise serializers.ValidationError(_flat_errors(serializer.errors))
        body = {"edit": str(job_id), **(request.data if isinstance(request.data, dict) else {})}
        job, created = create_edit(
            request.user,
            job_id,
            shots=serializer.validated_data["shots"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            request_hash=services.hash_request(body),
        )
        return created_job_response(request, job, created)
