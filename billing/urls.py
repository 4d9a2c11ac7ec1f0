from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("billing/packs", views.PackListView.as_view(), name="pack-list"),
    path("billing/checkout", views.CheckoutView.as_view(), name="checkout"),
    path("billing/webhook", views.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("rights/statements", views.RightsStatementView.as_view(), name="rights-statements"),
]
