"""Account lifecycle endpoints: API keys, export, erasure (API.md v1.1)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers.account import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    ExportCreatedSerializer,
    ExportSerializer,
)
from accounts.services import api_keys as key_services
from accounts.services import exports as export_services

TAGS = ["account"]


class ApiKeyListView(generics.ListAPIView):
    """My live API keys, newest first; POST creates one and shows its key once."""

    serializer_class = ApiKeySerializer
    throttle_scope = "auth"  # creating credentials: the auth scope's rate (writes only)

    def get_queryset(self):
        return key_services.live_api_keys(self.request.user)

    @extend_schema(
        operation_id="api_keys_list",
        summary="My API keys (the keys themselves are never shown again)",
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="api_keys_create",
        summary="Create an API key: a bearer token for /api/v1 and /v1, shown once",
        tags=TAGS,
        request=ApiKeyCreateSerializer,
        responses={
            201: ApiKeyCreatedSerializer,
            400: OpenApiResponse(description="`name` missing or too long."),
            409: OpenApiResponse(description="`api_key_limit`: revoke a key first."),
        },
    )
    def post(self, request):
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, key = key_services.create_api_key(request.user, **serializer.validated_data)
        api_key.key = key  # type: ignore[attr-defined]  # shown once, never stored
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    @extend_schema(
        operation_id="api_keys_delete",
        summary="Revoke one of my API keys: it stops working at once",
        tags=TAGS,
        request=None,
        responses={204: None, 404: OpenApiResponse(description="No such key of mine.")},
    )
    def delete(self, request, key_id):
        key_services.revoke_api_key(request.user, key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExportCreateView(APIView):
    throttle_scope = "exports"  # EXPORT throttle rate per user (default 2/day)

    @extend_schema(
        operation_id="me_export_create",
        summary="Export my data: one ZIP (JSON files and my videos' MP4s), built in the background",
        tags=TAGS,
        request=None,
        responses={
            202: ExportCreatedSerializer,
            429: OpenApiResponse(description="`throttled`: see Retry-After (THROTTLE_EXPORTS)."),
        },
    )
    def post(self, request):
        export = export_services.request_export(request.user)
        return Response(ExportCreatedSerializer(export).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailView(APIView):
    @extend_schema(
        operation_id="me_exports_retrieve",
        summary="One of my exports: its status and, once built, a signed download URL",
        tags=TAGS,
        responses={200: ExportSerializer, 404: OpenApiResponse(description="No such export.")},
    )
    def get(self, request, export_id):
        export = export_services.access_export(request.user, export_id)
        return Response(ExportSerializer(export).data)
