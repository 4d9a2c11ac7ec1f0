"""Routes of the push app, mounted under /api/v1/."""

from django.urls import path

from push import views

urlpatterns = [
    path("me/devices", views.DeviceListView.as_view(), name="devices"),
    path("me/devices/<str:device_id>", views.DeviceDetailView.as_view(), name="device-detail"),
    path(
        "me/notification-settings",
        views.NotificationSettingsView.as_view(),
        name="notification-settings",
    ),
    path("push/vapid-key", views.VapidKeyView.as_view(), name="push-vapid-key"),
]
