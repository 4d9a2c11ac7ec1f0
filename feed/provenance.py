"""GET /api/v1/videos/{id}/provenance: the C2PA manifest signed into a video's file.

The answer is what c2pa's Reader says about the stored original MP4, as it says it
(`active_manifest`, `manifests`, `validation_state`, `validation_results`), read from the file
at request time, so it is the file's truth, not a copy kept beside it. Same visibility as the
video itself (selectors.access_video) and the file gate (servable_refs): another user's
private, held or removed video answers 404, as a missing one does.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ServiceUnavailable
from config.storage import servable_refs
from feed import selectors
from generation.provenance import stored_manifest
from generation.services.publishing import job_file_ref


class ManifestNotFound(APIException):
    """404 with its own code: the video exists and is visible, its file has no manifest."""

    status_code = 404
    default_detail = "This video's file carries no C2PA manifest."
    default_code = "provenance_not_found"


class VideoProvenanceSerializer(serializers.Serializer):
    """The c2pa Reader's report on the video's original MP4 (C2PA manifest store JSON)."""

    video = serializers.UUIDField()
    validation_state = serializers.CharField(help_text="Invalid, Valid or Trusted.")
    active_manifest = serializers.CharField(help_text="The label of the manifest in force.")
    manifests = serializers.DictField(
        child=serializers.JSONField(), help_text="Every manifest in the store, by label."
    )
    validation_results = serializers.JSONField(
        help_text="Success, informational and failure codes of the validation."
    )


class VideoProvenanceView(APIView):
    @extend_schema(
        operation_id="videos_provenance",
        summary="A video's signed C2PA manifest",
        tags=["videos"],
        responses={200: VideoProvenanceSerializer},
    )
    def get(self, request, video_id):
        video = selectors.access_video(request.user, video_id)
        job = video.job
        if job_file_ref(job.pk) not in servable_refs([job_file_ref(job.pk)]):
            raise NotFound("No such video.")
        try:
            reading = stored_manifest(job)
        except OSError:
            raise ServiceUnavailable("The video's file could not be read; try again.") from None
        if reading is None or not reading.store:
            raise ManifestNotFound()
        store = reading.store
        body = {
            "video": video.pk,
            "validation_state": reading.state,
            "active_manifest": store.get("active_manifest", ""),
            "manifests": store.get("manifests", {}),
            "validation_results": store.get("validation_results", {}),
        }
        return Response(VideoProvenanceSerializer(body).data)
