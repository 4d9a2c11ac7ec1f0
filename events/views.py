"""me/webhooks: register, list and remove endpoints; read an endpoint's delivery log."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import WebhookEndpoint
from events.serializers import (
    DeliveryAttemptSerializer,
    WebhookCreatedSerializer,
    WebhookCreateSerializer,
    WebhookSerializer,
)
from events.services import webhooks as webhook_services

BAD_INPUT = {400: OpenApiResponse(description="Invalid input; the body names each bad field.")}
NOT_FOUND = {404: OpenApiResponse(description="No such webhook of the caller's.")}


class WebhookListView(generics.ListAPIView):
    serializer_class = WebhookSerializer

    def get_queryset(self):
        return WebhookEndpoint.objects.filter(user=self.request.user)

    @extend_schema(
        operation_id="webhooks_list",
        summary="My webhook endpoints, newest first",
        tags=["webhooks"],
        responses={200: WebhookSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_create",
        summary="Register a webhook endpoint (its secret is shown once)",
        tags=["webhooks"],
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **BAD_INPUT},
    )
    def post(self, request):
        serializer = WebhookCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhook_services.create_endpoint(request.user, **serializer.validated_data)
        return Response(
            WebhookCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/me/webhooks/{endpoint.pk}"},
        )


class WebhookDetailView(APIView):
    @extend_schema(
        operation_id="webhooks_destroy",
        summary="Remove a webhook endpoint and its delivery log",
        tags=["webhooks"],
        responses={204: None, **NOT_FOUND},
    )
    def delete(self, request, webhook_id):
        webhook_services.delete_endpoint(request.user, webhook_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(generics.ListAPIView):
    serializer_class = DeliveryAttemptSerializer

    def get_queryset(self):
        endpoint = webhook_services.access_endpoint(self.request.user, self.kwargs["webhook_id"])
        return webhook_services.endpoint_attempts(endpoint)

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        summary="An endpoint's delivery attempts, newest first",
        tags=["webhooks"],
        responses={200: DeliveryAttemptSerializer(many=True), **NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
