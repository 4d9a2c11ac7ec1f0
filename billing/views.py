"""Billing endpoints (API.md v1.1, "Credits and rights holders"): parse, call a service, shape."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import rights, services, stripe_gateway, webhooks
from billing.serializers import (
    BillingErrorSerializer,
    CheckoutRequestSerializer,
    CheckoutSerializer,
    PackSerializer,
    StatementSerializer,
    WebhookResultSerializer,
)

TAGS = ["credits"]
TRUE_VALUES = {"1", "true", "yes"}
VERIFY = OpenApiParameter(
    "verify", OpenApiTypes.BOOL, required=False, description="Also recompute the hash chain."
)


def _verify_requested(request) -> bool:
    return request.query_params.get("verify", "").lower() in TRUE_VALUES


class PackListView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="billing_packs_list",
        summary="The credit packs on sale (public)",
        tags=TAGS,
        responses={200: PackSerializer(many=True)},
    )
    def get(self, request):
        packs = [{"id": pack_id, **pack} for pack_id, pack in settings.CREDIT_PACKS.items()]
        return Response(PackSerializer(packs, many=True).data)


class CheckoutView(APIView):
    throttle_scope = "billing"

    @extend_schema(
        operation_id="billing_checkout_create",
        summary="Start buying a credit pack: a Stripe Checkout Session to redirect the buyer to",
        tags=TAGS,
        request=CheckoutRequestSerializer,
        responses={
            201: CheckoutSerializer,
            400: OpenApiResponse(description="`pack` is not one of `billing/packs`."),
            503: OpenApiResponse(
                response=BillingErrorSerializer,
                description="`payments_unavailable`: Stripe is not configured or unreachable; "
                "nothing was charged.",
            ),
        },
    )
    def post(self, request):
        serializer = CheckoutRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pack = services.pack_named(serializer.validated_data["pack"])
        key = request.headers.get("Idempotency-Key") or None
        session_id, url = stripe_gateway.create_checkout_session(
            user_id=request.user.pk,
            pack=pack,
            idempotency_key=f"checkout-{request.user.pk}-{key}" if key else _fresh_key(),
        )
        services.record_checkout(request.user, pack, session_id=session_id, url=url)
        body = {"id": session_id, "url": url, "pack": pack}
        return Response(CheckoutSerializer(body).data, status=status.HTTP_201_CREATED)


def _fresh_key() -> str:
    import uuid

    return f"checkout-{uuid.uuid4()}"


class StripeWebhookView(APIView):
    """Stripe calls this; it authenticates by the Stripe-Signature header, not by a token."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []  # Stripe's retries must not be throttled; the signature gates

    @extend_schema(
        operation_id="billing_webhook_create",
        summary="Stripe's webhook: verified events credit packs and reverse refunds (public)",
        tags=TAGS,
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "Stripe-Signature",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=True,
                description="`t=<unix time>,v1=<hex HMAC-SHA256 of 't.body'>`, as Stripe signs.",
            )
        ],
        responses={
            200: WebhookResultSerializer,
            400: OpenApiResponse(
                description="`invalid_signature` (bad, missing or stale signature) or an "
                "unknown pack / user in the event: nothing was credited."
            ),
            503: OpenApiResponse(
                response=BillingErrorSerializer,
                description="`payments_unavailable`: no webhook secret set.",
            ),
        },
    )
    def post(self, request):
        payload = request.body
        event = stripe_gateway.verify_event(payload, request.headers.get("Stripe-Signature"))
        outcome = webhooks.handle_event(event, payload)
        return Response({"received": True, "outcome": outcome})


class RightsStatementView(APIView):
    @extend_schema(
        operation_id="rights_statements_retrieve",
        summary="My revenue-share statement as a rights holder: monthly totals and entries",
        tags=["rights holders"],
        parameters=[
            VERIFY,
            OpenApiParameter(
                "month", OpenApiTypes.STR, required=False, description="Only this UTC month."
            ),
        ],
        responses={
            200: StatementSerializer,
            400: OpenApiResponse(description="`month` is not YYYY-MM."),
            404: OpenApiResponse(description="The caller holds no protected entity."),
        },
    )
    def get(self, request):
        holder = request.user
        entries = rights.statement_entries(holder)
        holds = request.user.protected_entities_held.exists()
        if not holds and not entries.exists():
            raise NotFound()
        month = request.query_params.get("month")
        if month:
            try:
                start, end = rights.month_bounds(month)
            except ValueError:
                raise ValidationError({"month": ["Expected YYYY-MM."]}) from None
            entries = entries.filter(at__gte=start, at__lt=end)
        body = {"totals": rights.monthly_totals(holder), "entries": list(entries[:500])}
        if _verify_requested(request):
            body["valid"] = rights.verify_statement(holder)
        return Response(StatementSerializer(body).data)
