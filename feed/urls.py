from django.urls import path

from feed import cameo_uses, provenance, views

app_name = "feed"

urlpatterns = [
    path("videos", views.VideoCreateView.as_view(), name="video-create"),
    path("videos/<uuid:video_id>", views.VideoDetailView.as_view(), name="video-detail"),
    path("videos/<uuid:video_id>/like", views.VideoLikeView.as_view(), name="video-like"),
    path(
        "videos/<uuid:video_id>/provenance",
        provenance.VideoProvenanceView.as_view(),
        name="video-provenance",
    ),
    path(
        "videos/<uuid:video_id>/comments", views.VideoCommentsView.as_view(), name="video-comments"
    ),
    path("videos/<uuid:video_id>/remixes", views.VideoRemixesView.as_view(), name="video-remixes"),
    path("videos/<uuid:video_id>/view", views.VideoViewView.as_view(), name="video-view"),
    path(
        "videos/<uuid:video_id>/not-interested",
        views.NotInterestedView.as_view(),
        name="video-not-interested",
    ),
    path("comments/<int:comment_id>", views.CommentDetailView.as_view(), name="comment-detail"),
    path("users/<str:handle>/videos", views.UserVideosView.as_view(), name="user-videos"),
    path("feed", views.ForYouFeedView.as_view(), name="for-you"),
    path("feed/following", views.FollowingFeedView.as_view(), name="following"),
    path("feed/explain/<uuid:video_id>", views.ExplainView.as_view(), name="explain"),
    # cameos/me/uses routes (the cameo feature's views in feed/cameo_uses.py) go below.
    path("cameos/me/uses", cameo_uses.CameoUseListView.as_view(), name="cameo-uses"),
    path(
        "cameos/me/uses/<uuid:video_id>/remove",
        cameo_uses.CameoUseRemoveView.as_view(),
        name="cameo-use-remove",
    ),
    path(
        "characters/<str:handle>/uses",
        cameo_uses.CharacterUseListView.as_view(),
        name="character-uses",
    ),
    path(
        "characters/<str:handle>/uses/<uuid:video_id>/remove",
        cameo_uses.CharacterUseRemoveView.as_view(),
        name="character-use-remove",
    ),
]
