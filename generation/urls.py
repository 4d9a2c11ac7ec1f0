from django.urls import path

from generation import edit_views, model_views, views

urlpatterns = [
    path("generations", views.GenerationListCreateView.as_view(), name="generation-list"),
    # Before generations/<job_id>, which would take "stitch" for an id.
    path("generations/stitch", views.GenerationStitchView.as_view(), name="generation-stitch"),
    path(
        "generations/<str:job_id>", views.GenerationDetailView.as_view(), name="generation-detail"
    ),
    path(
        "generations/<str:job_id>/cancel",
        views.GenerationCancelView.as_view(),
        name="generation-cancel",
    ),
    path(
        "generations/<str:job_id>/edit",
        edit_views.GenerationEditView.as_view(),
        name="generation-edit",
    ),
    path("storyboards/plan", views.StoryboardPlanView.as_view(), name="storyboard-plan"),
    path("me/quota", views.QuotaView.as_view(), name="me-quota"),
    path("me/credits", views.CreditsView.as_view(), name="me-credits"),
    path("models", model_views.ModelListView.as_view(), name="model-list"),
]
