"""GET /api/v1/models and GET /v1/models: what this deployment can render (generation.catalog)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
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
        summary="The video models this deployment can render",
        responses={200: ModelSerializer(many=True)},
    )
    def get(self, request):
        return Response([model.as_dict() for model in available_models()])


class OpenAIModelListView(OpenAICompatView):
    @extend_schema(
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
