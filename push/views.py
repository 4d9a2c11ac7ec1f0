"""push endpoints: parse the request, call a service, shape the response."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ServiceUnavailable
from push import services
from push.models import Device
from push.serializers import (
    DeviceCreateSerializer,
    DeviceSerializer,
    NotificationSettingsSerializer,
    VapidKeySerializer,
)
from push.vapid import VapidNotConfigured, public_key_b64

NOT_FOUND = {404: OpenApiResponse(description="No such device of mine.")}


class DeviceListView(generics.ListAPIView):
    """My devices that receive push notifications, newest first."""

    serializer_class = DeviceSerializer
    throttle_scope = "devices"

    def get_queryset(self):
        return Device.objects.filter(user=self.request.user)

    @extend_schema(
        operation_id="devices_list",
        summary="List my push devices",
        tags=["push"],
        responses={200: DeviceSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="devices_create",
        summary="Register a device for push (APNs, FCM or a WebPush subscription)",
        tags=["push"],
        request=DeviceCreateSerializer,
        responses={
            201: DeviceSerializer,
            200: OpenApiResponse(DeviceSerializer, description="Already registered: the same."),
        },
    )
    def post(self, request):
        serializer = DeviceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        device, created = services.register_device(request.user, serializer.validated_data)
        return Response(
            DeviceSerializer(device).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class DeviceDetailView(APIView):
    @extend_schema(
        operation_id="devices_destroy",
        summary="Unregister one of my devices",
        tags=["push"],
        responses={204: None, **NOT_FOUND},
    )
    def delete(self, request, device_id):
        try:
            removed = services.remove_device(request.user, device_id)
        except DjangoValidationError:  # not a UUID
            removed = False
        if not removed:
            raise NotFound("No such device.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSettingsView(APIView):
    @extend_schema(
        operation_id="notification_settings_retrieve",
        summary="Which notification kinds push to my devices",
        tags=["push"],
        responses={200: NotificationSettingsSerializer},
    )
    def get(self, request):
        return Response(services.push_settings(request.user))

    @extend_schema(
        operation_id="notification_settings_partial_update",
        summary="Turn pushes of notification kinds on or off",
        tags=["push"],
        request=NotificationSettingsSerializer,
        responses={200: NotificationSettingsSerializer},
    )
    def patch(self, request):
        serializer = NotificationSettingsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.update_push_settings(request.user, serializer.validated_data))


class VapidKeyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="push_vapid_key_retrieve",
        summary="The VAPID public key web clients subscribe with",
        tags=["push"],
        responses={
            200: VapidKeySerializer,
            503: OpenApiResponse(
                inline_serializer(
                    "PushNotConfigured",
                    {"code": serializers.CharField(), "detail": serializers.CharField()},
                ),
                description="`push_not_configured`: this server has no VAPID key.",
            ),
        },
    )
    def get(self, request):
        try:
            return Response({"public_key": public_key_b64()})
        except VapidNotConfigured:
            raise ServiceUnavailable(
                "WebPush is not configured.", code="push_not_configured"
            ) from None
