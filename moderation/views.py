"""User-side moderation endpoints: report, see what was done to me, appeal."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import services
from moderation.models import ModerationAction
from moderation.serializers import (
    AppealCreateSerializer,
    AppealSerializer,
    MyModerationActionSerializer,
    ReportCreateSerializer,
    ReportSerializer,
)


class ReportCreateView(APIView):
    throttle_scope = "reports"

    @extend_schema(
        operation_id="reports_create",
        summary="Report a video, comment, user or cameo",
        tags=["moderation"],
        request=ReportCreateSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer},
        description="Report a video, comment, user or cameo. Reporting the same target again "
        "returns the first report (200) and counts nothing twice.",
    )
    def post(self, request):
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = services.file_report(request.user, **data.validated_data)
        return Response(
            ReportSerializer(report).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="me_moderation_list",
        summary="Moderation actions on my content",
        tags=["moderation"],
    )
)
class MyModerationView(ListAPIView):
    """Actions taken on the caller's content or account (dismissals are not shown)."""

    serializer_class = MyModerationActionSerializer

    def get_queryset(self):
        return (
            ModerationAction.objects.filter(affected_user=self.request.user)
            .exclude(action=ModerationAction.Action.DISMISS)
            .prefetch_related("appeals", "reversed_by")
        )


class AppealCreateView(APIView):
    throttle_scope = "reports"

    @extend_schema(
        operation_id="appeals_create",
        summary="Appeal a moderation action",
        tags=["moderation"],
        request=AppealCreateSerializer,
        responses={
            201: AppealSerializer,
            409: OpenApiResponse(description="That action was already appealed or decided."),
        },
    )
    def post(self, request):
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.file_appeal(
            request.user, action_id=data.validated_data["action"], text=data.validated_data["text"]
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)
