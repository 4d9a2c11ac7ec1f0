"""`/v1` routes. Collection paths (`videos/edits`, and the other lanes' `videos/extensions`,
`videos/characters`) are literal; a video id only matches the `uuid` converter, so no
collection path is ever parsed as an id, whatever order the routes are listed in."""

from django.urls import path

from generation import model_views
from generation.openai_compat import views

urlpatterns = [
    path("models", model_views.OpenAIModelListView.as_view(), name="openai-models"),
    path("videos", views.VideosView.as_view(), name="openai-videos"),
    # Collection paths before videos/<id> (which only matches a uuid anyway), so
    # "characters", "edits" or "extensions" is never parsed as a video id.
    path("videos/characters", views.CharactersView.as_view(), name="openai-characters"),
    path(
        "videos/extensions",
        views.VideoExtensionsView.as_view(),
        name="openai-video-extensions",
    ),
    path(
        "videos/characters/<str:character_id>",
        views.CharacterDetailView.as_view(),
        name="openai-character",
    ),
    path("videos/edits", views.VideoEditsView.as_view(), name="openai-video-edits"),
    path("videos/<uuid:video_id>", views.VideoDetailView.as_view(), name="openai-video"),
    path(
        "videos/<uuid:video_id>/content",
        views.VideoContentView.as_view(),
        name="openai-video-content",
    ),
    path("videos/<uuid:video_id>/remix", views.VideoRemixView.as_view(), name="openai-video-remix"),
]
