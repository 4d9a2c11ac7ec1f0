from django.urls import path

from generation import model_views
from generation.openai_compat import views

urlpatterns = [
    path("models", model_views.OpenAIModelListView.as_view(), name="openai-models"),
    path("videos", views.VideosView.as_view(), name="openai-videos"),
    # Collection paths before videos/<id>, so "characters" is never parsed as a video id.
    path("videos/characters", views.CharactersView.as_view(), name="openai-characters"),
    path(
        "videos/characters/<str:character_id>",
        views.CharacterDetailView.as_view(),
        name="openai-character",
    ),
    path("videos/<str:video_id>", views.VideoDetailView.as_view(), name="openai-video"),
    path(
        "videos/<str:video_id>/content",
        views.VideoContentView.as_view(),
        name="openai-video-content",
    ),
    path("videos/<str:video_id>/remix", views.VideoRemixView.as_view(), name="openai-video-remix"),
]
