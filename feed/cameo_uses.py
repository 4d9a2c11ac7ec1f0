"""`cameos/me/uses` and `characters/{handle}/uses`: the owner's view of every job and video
that uses their likeness or character (a character is a cameo: one mechanism).

These endpoints belong to the cameo feature (accounts) but read generation and feed models,
which accounts must not import, so they live in feed (the app that may see all three).
`remove_cameo_use` is the one state change here: it takes a video down through
`feed.services.take_down_video`, appends `use_removed` to the owner's ledger and notifies the
author, in one transaction.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification
from accounts.services.cameo_use import record_cameo_use_removed
from accounts.services.characters import owned_character
from accounts.services.notifications import notify
from feed.models import Video
from feed.services import take_down_video
from generation.models import GenerationJob, JobCameo
from generation.services.jobs import withdraw_job


class CameoUseSerializer(serializers.ModelSerializer):
    """One use: the job (others' drafts included) and, once published, its video."""

    job = serializers.UUIDField(source="job_id", read_only=True)
    author = serializers.CharField(source="job.user.handle", read_only=True)
    status = serializers.CharField(source="job.status", read_only=True)
    prompt = serializers.CharField(source="job.prompt", read_only=True)
    created_at = serializers.DateTimeField(source="job.created_at", read_only=True)
    video = serializers.SerializerMethodField()

    class Meta:
        model = JobCameo
        fields = ["job", "author", "status", "prompt", "created_at", "video"]
        read_only_fields = fields

    def get_video(self, use) -> dict | None:
        try:
            video = use.job.video
        except ObjectDoesNotExist:
            return None
        return {"id": str(video.pk), "status": video.status}


@extend_schema_view(
    get=extend_schema(
        operation_id="cameo_uses_list", summary="Every use of my cameo", tags=["cameos"]
    )
)
class CameoUseListView(generics.ListAPIView):
    """GET cameos/me/uses: every job using any of my cameos, newest first."""

    serializer_class = CameoUseSerializer

    def get_queryset(self):
        return JobCameo.objects.filter(cameo__owner=self.request.user).select_related(
            "job__user", "job__video"
        )


class CameoUseRemoveView(APIView):
    """POST cameos/me/uses/{video_id}/remove: take that video (or unpublished draft) down (204)."""

    @extend_schema(
        operation_id="cameo_uses_remove",
        summary="Take down a video that uses my cameo",
        tags=["cameos"],
        request=None,
        responses={204: None},
    )
    def post(self, request, video_id):
        remove_cameo_use(request.user, video_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        operation_id="characters_uses_list",
        summary="Every use of my character",
        tags=["characters"],
    )
)
class CharacterUseListView(CameoUseListView):
    """GET characters/{handle}/uses: every job using that character of mine (owner only)."""

    def get_queryset(self):
        character = owned_character(self.request.user, self.kwargs["handle"])
        return JobCameo.objects.filter(cameo=character).select_related("job__user", "job__video")


class CharacterUseRemoveView(APIView):
    """POST characters/{handle}/uses/{video_id}/remove: the cameo-use removal, for one
    character of mine (204)."""

    @extend_schema(
        operation_id="characters_uses_remove",
        summary="Take down a video that uses my character",
        tags=["characters"],
        request=None,
        responses={204: None},
    )
    def post(self, request, handle, video_id):
        character = owned_character(request.user, handle)
        remove_cameo_use(request.user, video_id, cameo=character)
        return Response(status=status.HTTP_204_NO_CONTENT)


def remove_cameo_use(owner, video_id, *, cameo=None) -> Video | None:
    """Take down a use of `owner`'s cameo; 404 when the id is not one of its uses.

    `video_id` is a published video's id or, for a draft that was never published (others'
    drafts included), the job id that `uses` lists. With `cameo` (one of the owner's
    characters), only uses of that one count. A draft is cancelled (and refunded) or,
    once rendered, its files discarded — it can no longer be published. Idempotent: a use
    already removed is left as it is, without a second ledger event.
    """
    with transaction.atomic():
        uses = _uses_of(owner, cameo)
        use = uses.filter(job__video__id=video_id).select_related("cameo__owner").first()
        if use is None:
            return _remove_draft_use(owner, uses, job_id=video_id)
        video = Video.objects.select_for_update().select_related("author").get(pk=video_id)
        if video.status in (Video.Status.TAKEN_DOWN, Video.Status.DELETED):
            return video
        take_down_video(video, reason=f"cameo use removed by @{owner.handle}")
        record_cameo_use_removed(use.cameo, actor=owner, video_id=video.pk)
        notify(
            video.author,
            Notification.Kind.CAMEO_USE_REMOVED,
            actor=owner,
            data={"video": str(video.pk), "cameo": owner.handle},
        )
    return video


def _uses_of(owner, cameo):
    uses = JobCameo.objects.filter(cameo__owner=owner)
    return uses.filter(cameo=cameo) if cameo is not None else uses


def _remove_draft_use(owner, uses, *, job_id) -> None:
    """The draft half of `remove_cameo_use`. Caller holds the transaction."""
    use = uses.filter(job_id=job_id, job__video__isnull=True).select_related("cameo__owner").first()
    if use is None:
        raise NotFound("No video or draft using your cameo with this id.")
    job = (
        GenerationJob.objects.select_for_update(of=("self",)).select_related("user").get(pk=job_id)
    )
    reason = f"cameo use removed by @{owner.handle}"
    if withdraw_job(job, code="cameo_use_removed", reason=reason):
        record_cameo_use_removed(use.cameo, actor=owner, video_id=job.pk)
        notify(
            job.user,
            Notification.Kind.CAMEO_USE_REMOVED,
            actor=owner,
            data={"job": str(job.pk), "cameo": owner.handle},
        )
    return None
