from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("reports", views.ReportCreateView.as_view(), name="report-create"),
    path("me/moderation", views.MyModerationView.as_view(), name="my-moderation"),
    path("appeals", views.AppealCreateView.as_view(), name="appeal-create"),
]
