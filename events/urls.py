from django.urls import path

from events import views

urlpatterns = [
    path("me/webhooks", views.WebhookListView.as_view(), name="webhooks"),
    path("me/webhooks/<str:webhook_id>", views.WebhookDetailView.as_view(), name="webhook"),
    path(
        "me/webhooks/<str:webhook_id>/deliveries",
        views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
]
