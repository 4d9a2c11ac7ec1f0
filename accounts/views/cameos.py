"""Cameo endpoints (API.md, "Cameos and consent"). Every one acts on the caller's own cameo,
grants and ledger (`me`), so another user can never name someone else's; the uses endpoints
live in feed/cameo_uses.py because they read generation and feed models.
"""

import json

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.ledger import GENESIS_HASH, verify_events, verify_ledger
from accounts.models import CameoGrant, ConsentEvent
from accounts.serializers.cameos import (
    AvailableCameoSerializer,
    CameoCreateSerializer,
    CameoSerializer,
    CameoSettingsSerializer,
    ConsentEventSerializer,
    GrantCreateSerializer,
    GrantSerializer,
)
from accounts.services import cameos as services
from accounts.services.cameo_use import usable_cameos
from config.pagination import CreatedCursorPagination
from config.parsers import JSONParser
from config.renderers import TimestampJSONEncoder

TRUE_VALUES = {"1", "true", "yes", "on"}


class SeqCursorPagination(CreatedCursorPagination):
    ordering = ("seq",)
    page_size = 50
    max_page_size = 500


class CameoMeView(APIView):
    """GET/PATCH/DELETE the caller's cameo; POST creates it from a clip with consent."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="cameo_me_retrieve",
        summary="My cameo",
        tags=["cameos"],
        responses=CameoSerializer,
    )
    def get(self, request):
        return Response(CameoSerializer(services.live_cameo(request.user)).data)

    @extend_schema(
        operation_id="cameo_me_create",
        summary="Create my cameo from a clip",
        tags=["cameos"],
        request=CameoCreateSerializer,
        responses={
            201: CameoSerializer,
            409: OpenApiResponse(description="A cameo is already live or being verified."),
        },
    )
    def post(self, request):
        serializer = CameoCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cameo = services.create_cameo(
            request.user,
            upload=serializer.validated_data["video"],
            consent=serializer.validated_data["consent"],
        )
        return Response(CameoSerializer(cameo).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="cameo_me_update",
        summary="Change my cameo's permission or instructions",
        tags=["cameos"],
        request=CameoSettingsSerializer,
        responses=CameoSerializer,
    )
    def patch(self, request):
        serializer = CameoSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        cameo = services.update_cameo_settings(
            request.user,
            permission=serializer.validated_data.get("permission"),
            instructions=serializer.validated_data.get("instructions"),
        )
        return Response(CameoSerializer(cameo).data)

    @extend_schema(
        operation_id="cameo_me_revoke",
        summary="Revoke consent (delete my cameo)",
        tags=["cameos"],
        responses={204: None},
    )
    def delete(self, request):
        services.revoke_cameo_consent(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="cameo_grants_list", summary="Who may use my cameo", tags=["cameos"]
    )
)
class CameoGrantListView(generics.ListAPIView):
    """Who may use my cameo under `approved`; POST `{handle}` grants (idempotent)."""

    serializer_class = GrantSerializer

    def get_queryset(self):
        cameo = services.live_cameo(self.request.user)
        return CameoGrant.objects.filter(cameo=cameo).select_related("grantee")

    @extend_schema(
        operation_id="cameo_grants_create",
        summary="Let someone use my cameo",
        tags=["cameos"],
        request=GrantCreateSerializer,
        responses={201: GrantSerializer, 200: GrantSerializer},  # 200: already granted
    )
    def post(self, request):
        serializer = GrantCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grantee = services.find_grantee(request.user, serializer.validated_data["handle"])
        grant, created = services.grant_cameo(request.user, grantee)
        return Response(
            GrantSerializer(grant).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class CameoGrantDetailView(APIView):
    @extend_schema(
        operation_id="cameo_grants_destroy",
        summary="Withdraw someone's grant",
        tags=["cameos"],
        responses={204: None},
    )
    def delete(self, request, handle):
        grantee = services.find_grantee(request.user, handle, for_revoke=True)
        services.revoke_cameo_grant(request.user, grantee)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="cameo_ledger_list", summary="My consent ledger", tags=["cameos"]
    )
)
class CameoLedgerView(generics.ListAPIView):
    """My consent events in seq order; `?verify=1` adds `valid` (the whole chain recomputed)."""

    serializer_class = ConsentEventSerializer
    pagination_class = SeqCursorPagination

    def get_queryset(self):
        return ConsentEvent.objects.filter(owner=self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if request.query_params.get("verify", "").lower() in TRUE_VALUES:
            response.data["valid"] = verify_ledger(request.user)
        return response


class CameoLedgerExportView(APIView):
    """The whole ledger as a JSON attachment, with what a third party needs to verify it."""

    @extend_schema(
        operation_id="cameo_ledger_export",
        summary="Export my consent ledger",
        tags=["cameos"],
        responses={
            200: inline_serializer(
                "ConsentLedgerExport",
                {
                    "owner": serializers.CharField(),
                    "exported_at": serializers.DateTimeField(),
                    "hash_algorithm": serializers.CharField(),
                    "genesis_prev_hash": serializers.CharField(),
                    "valid": serializers.BooleanField(),
                    "events": ConsentEventSerializer(many=True),
                },
            )
        },
    )
    def get(self, request):
        events = list(ConsentEvent.objects.filter(owner=request.user).order_by("seq"))
        body = {
            "owner": request.user.handle,
            "exported_at": timezone.now(),
            "hash_algorithm": (
                "sha256(prev_hash + canonical JSON of {seq, action, actor, at, data, prev_hash, "
                "cameo}, sort_keys, separators (',', ':'), at in UTC with microseconds, actor = "
                "the event's actor_ref); details and the actor's handle are outside the hash, "
                "data.private_hmac = HMAC-SHA256(details.salt, canonical JSON of details.values)"
            ),
            "genesis_prev_hash": GENESIS_HASH,
            "valid": verify_events(events),
            "events": ConsentEventSerializer(events, many=True).data,
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=2, cls=TimestampJSONEncoder),
            content_type="application/json",
        )
        filename = f"cutaway-consent-ledger-{request.user.handle}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema_view(
    get=extend_schema(
        operation_id="cameos_available_list", summary="Cameos I may use now", tags=["cameos"]
    )
)
class AvailableCameosView(generics.ListAPIView):
    """Cameos the caller may use right now (same rules as check_cameo_use), one query."""

    serializer_class = AvailableCameoSerializer

    def get_queryset(self):
        return usable_cameos(self.request.user)
