from django.urls import path

from generation import model_views
from generation.openai_compat import views

urlpatterns = [
    path("models", model_views.OpenAIModelListView.as_view(), name="openai-models"),
    path("videos", views.VideosView.as_view(), name="openai-videos"),
    # Before videos/<video_id>, which would take "extensions" for an id.
    path(
        "videos/extensions",
        views.VideoExtensionsView.as_view(),
        name="openai-video-extensions",
    ),
    path("videos/<str:video_id>", views.VideoDetailView.as_view(), name="openai-video"),
    path(
        "videos/<str:video_id>/content",
        views.VideoContentView.as_view(),
        name="openai-video-content",
    ),
    path("videos/<str:video_id>/remix", views.VideoRemixView.as_view(), name="openai-video-remix"),
]
