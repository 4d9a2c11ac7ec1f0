"""GET /api/v1/models and GET /v1/models: what this deployment can render (generation.catalog),
and how a multipart create request (one carrying a reference image) reads as JSON."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.catalog import available_models
from generation.openai_compat.views import OpenAICompatView


class SecondsRangeSerializer(serializers.Serializer):
    min = serializers.IntegerField()
    max = serializers.IntegerField()


class CapabilitiesSerializer(serializers.Serializer):
    sizes = serializers.ListField(child=serializers.CharField())
    seconds = SecondsRangeSerializer()
    audio = serializers.BooleanField(help_text="The model makes the sound track itself.")
    image_to_video = serializers.BooleanField()
    extend = serializers.BooleanField()
    max_shots = serializers.IntegerField()
    image_required = serializers.BooleanField()


class ModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    provider = serializers.CharField()
    default = serializers.BooleanField()
    capabilities = CapabilitiesSerializer()


class OpenAIModelSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    created = serializers.IntegerField()
    owned_by = serializers.CharField()


class OpenAIModelListSerializer(serializers.Serializer):
    object = serializers.CharField()
    data = OpenAIModelSerializer(many=True)


class ModelListView(APIView):
    @extend_schema(
        operation_id="models_list",
        tags=["generation"],
        summary="The video models this deployment can render",
        responses={200: ModelSerializer(many=True)},
    )
    def get(self, request):
        return Response([model.as_dict() for model in available_models()])


class OpenAIModelListView(OpenAICompatView):
    @extend_schema(
        operation_id="v1_models_list",
        tags=["openai-compatible videos"],
        summary="List models (OpenAI-compatible)",
        responses={200: OpenAIModelListSerializer},
    )
    def get(self, request):
        data = [
            {"id": m.id, "object": "model", "created": m.created, "owned_by": m.provider}
            for m in available_models()
        ]
        return Response({"object": "list", "data": data})


MULTIPART_JSON_FIELDS = ("cameos", "storyboard")


def create_body(request) -> dict:
    """POST generations' body as the serializer reads it. A JSON body is used as is (a
    reference image cannot travel in it); a multipart form gives one value per field, its
    `cameos` and `storyboard` decoded from JSON text, its `reference_image` the file."""
    from config.parsers import loads_request_json

    data = request.data
    if not hasattr(data, "getlist"):
        if isinstance(data, dict) and "reference_image" in data:
            raise ValidationError(
                {"reference_image": ["Send the picture as a multipart/form-data file."]}
            )
        return data
    body = {key: data.get(key) for key in data if key not in request.FILES}
    for field in MULTIPART_JSON_FIELDS:
        if isinstance(body.get(field), str):
            try:
                body[field] = loads_request_json(body[field])
            except ValueError:
                raise ValidationError({field: ["Must be JSON text in a multipart form."]}) from None
    if "reference_image" in request.FILES:
        body["reference_image"] = request.FILES["reference_image"]
    return body
