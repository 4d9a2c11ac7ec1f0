"""`/v1/videos`: the OpenAI Videos API over Cutaway's generation jobs.

Apps written against the `openai` SDK point `base_url` at `<cutaway>/v1` and use a Cutaway
access token (JWT) as the api key. Jobs are the same as `/api/v1/generations` (same quota,
policy, consent checks); statuses map queued → queued, planning/rendering/post_processing →
in_progress, succeeded → completed, failed/blocked/cancelled → failed. Errors use OpenAI's
`{"error": {message, type, param, code}}` shape (plus the house `code`).
"""

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiKeyAuthentication, JWTAuthentication
from accounts.services import characters
from config.exceptions import api_exception_handler
from config.parsers import JSONParser
from config.storage import file_response, servable_refs
from generation import services
from generation.exceptions import VideoNotReady
from generation.models import GenerationJob
from generation.openai_compat.serializers import (
    CharacterCreateSerializer,
    CharacterObjectSerializer,
    VideoCreateSerializer,
    VideoDeletedSerializer,
    VideoEditSerializer,
    VideoExtendSerializer,
    VideoListSerializer,
    VideoObjectSerializer,
    VideoRemixSerializer,
)
from generation.services import derived
from generation.services.edits import create_v1_edit, create_v1_upload_edit
from generation.services.model_jobs import create_model_job
from generation.services.publishing import job_file_ref

VARIANTS = {
    "video": ("video_file", "video/mp4"),
    "thumbnail": ("thumbnail_file", "image/jpeg"),
    "spritesheet": ("preview_file", "image/jpeg"),
}
TAGS = ["openai-compatible videos"]


def openai_exception_handler(exc, context):
    response = api_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data if isinstance(response.data, dict) else {}
    code = data.get("code") or "error"
    param, message = None, data.get("detail")
    if message is None:
        field, errors = next(
            ((k, v) for k, v in data.items() if k != "code"), ("", ["Invalid request."])
        )
        param = field or None
        message = f"{field}: {errors[0] if isinstance(errors, list) else errors}"
    kind = "invalid_request_error" if response.status_code < 500 else "server_error"
    response.data = {
        "error": {"message": str(message), "type": kind, "param": param, "code": code},
        "code": code,
    }
    return response


# The body openai_exception_handler sends (OpenAI's error shape, plus our stable `code`).
OPENAI_ERROR = inline_serializer(
    "OpenAIErrorBody",
    fields={
        "error": inline_serializer(
            "OpenAIError",
            fields={
                "message": serializers.CharField(),
                "type": serializers.CharField(),
                "param": serializers.CharField(allow_null=True),
                "code": serializers.CharField(),
            },
        ),
        "code": serializers.CharField(),
    },
)


class OpenAICompatView(APIView):
    # API keys first (a `cut_` bearer is not a JWT), as in REST_FRAMEWORK
    authentication_classes = [ApiKeyAuthentication, JWTAuthentication]

    def get_exception_handler(self):
        return openai_exception_handler


POLL_AFTER_MS = "1000"


def video_response(job: GenerationJob) -> Response:
    """The `Video` object of `job`; while it is queued or in progress, with the
    `openai-poll-after-ms` header the SDK's poll helper honours (poll about once a second)."""
    response = Response(VideoObjectSerializer(job).data)
    if not job.is_finished:
        response["openai-poll-after-ms"] = POLL_AFTER_MS
    return response


def _idempotency_key(request) -> str:
    # The SDK sends no Idempotency-Key by default: then every POST is a new job.
    return request.headers.get("Idempotency-Key") or f"openai-{uuid.uuid4()}"


class VideosView(OpenAICompatView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scope = "generation"

    @extend_schema(
        operation_id="v1_videos_create",
        tags=TAGS,
        summary="Create a video (OpenAI-compatible)",
        request=VideoCreateSerializer,
        responses={
            200: VideoObjectSerializer,
            402: OpenApiResponse(
                response=OPENAI_ERROR,
                description="`insufficient_credits`: beyond the plan's daily allowance and the "
                "balance cannot pay it; nothing was created or charged.",
            ),
            503: OpenApiResponse(
                response=OPENAI_ERROR,
                description="`provider_retired` (the vendor shut the model down) or "
                "`service_unavailable` (job queue unreachable): nothing was created or charged.",
            ),
        },
    )
    def post(self, request):
        serializer = VideoCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        body = {k: v for k, v in request.data.items() if k != "input_reference"}
        job, _ = create_model_job(
            request.user,
            model=data.get("model"),
            reference_upload=data.get("input_reference"),
            reference_field="input_reference",
            reference_must_match_size=True,
            prompt=data["prompt"],
            seconds=data["seconds"],
            size=data["size"],
            idempotency_key=_idempotency_key(request),
            request_hash=services.hash_request(body),
        )
        job.refresh_from_db()
        return video_response(job)

    @extend_schema(
        tags=TAGS,
        operation_id="v1_videos_list",
        summary="List videos (OpenAI-compatible)",
        parameters=[
            OpenApiParameter("after", OpenApiTypes.STR),
            OpenApiParameter("limit", OpenApiTypes.INT),
            OpenApiParameter("order", OpenApiTypes.STR, enum=["asc", "desc"]),
        ],
        responses={200: VideoListSerializer},
    )
    def get(self, request):
        order = request.query_params.get("order", "desc")
        if order not in ("asc", "desc"):
            raise ValidationError({"order": ["Must be asc or desc."]})
        try:
            limit = int(request.query_params.get("limit", 20))
        except ValueError:
            raise ValidationError({"limit": ["Must be an integer."]}) from None
        if not 1 <= limit <= 100:
            raise ValidationError({"limit": ["Must be between 1 and 100."]})
        jobs = GenerationJob.objects.filter(user=request.user)
        after = request.query_params.get("after")
        if after:
            anchor = services.access_job(request.user, after)
            if order == "desc":
                jobs = jobs.filter(created_at__lte=anchor.created_at).exclude(
                    created_at=anchor.created_at, id__gte=anchor.id
                )
            else:
                jobs = jobs.filter(created_at__gte=anchor.created_at).exclude(
                    created_at=anchor.created_at, id__lte=anchor.id
                )
        ordering = ("-created_at", "-id") if order == "desc" else ("created_at", "id")
        page = list(jobs.order_by(*ordering)[: limit + 1])
        has_more, page = len(page) > limit, page[:limit]
        return Response(
            {
                "object": "list",
                "data": VideoObjectSerializer(page, many=True).data,
                "first_id": str(page[0].id) if page else None,
                "last_id": str(page[-1].id) if page else None,
                "has_more": has_more,
            }
        )


class VideoDetailView(OpenAICompatView):
    @extend_schema(
        operation_id="v1_videos_retrieve",
        tags=TAGS,
        summary="Retrieve a video",
        responses={200: VideoObjectSerializer},
    )
    def get(self, request, video_id):
        return video_response(services.access_job(request.user, video_id))

    @extend_schema(
        operation_id="v1_videos_delete",
        tags=TAGS,
        summary="Delete a video",
        responses={
            200: VideoDeletedSerializer,
            409: OpenApiResponse(
                description="`job_published`: the video is published; delete the post first."
            ),
        },
    )
    def delete(self, request, video_id):
        job = services.access_job(request.user, video_id)
        services.delete_job(request.user, job)
        return Response({"id": str(job.id), "object": "video.deleted", "deleted": True})


class AnyAcceptNegotiation(BaseContentNegotiation):
    """The SDK asks for `Accept: application/binary`; the bytes are the answer whatever it
    says, and errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class VideoContentView(OpenAICompatView):
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        operation_id="v1_videos_content",
        tags=TAGS,
        summary="Download a video's bytes (or its thumbnail / spritesheet)",
        parameters=[
            OpenApiParameter("variant", OpenApiTypes.STR, enum=list(VARIANTS), required=False)
        ],
        responses={
            (200, "video/mp4"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            (206, "video/mp4"): OpenApiTypes.BINARY,
            (206, "image/jpeg"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Not modified (`If-None-Match` matched the ETag)."),
            409: OpenApiResponse(description="`video_not_ready`."),
            416: OpenApiResponse(description="The `Range` cannot be satisfied."),
        },
    )
    def get(self, request, video_id):
        variant = request.query_params.get("variant", "video")
        if variant not in VARIANTS:
            raise ValidationError({"variant": [f"Must be one of {', '.join(VARIANTS)}."]})
        job = services.access_job(request.user, video_id)
        field, content_type = VARIANTS[variant]
        name = getattr(job, field)
        if job.status != GenerationJob.Status.SUCCEEDED or not name:
            raise VideoNotReady()
        if job_file_ref(job.pk) not in servable_refs([job_file_ref(job.pk)]):
            # Taken down, removed or deleted: the bytes follow the video (config/storage.py).
            raise NotFound("No such video.")
        extension = "mp4" if variant == "video" else "jpg"
        return file_response(
            request._request,
            name,
            content_type=content_type,
            filename=f"{job.id}-{variant}.{extension}",
        )


def _extension_source(request) -> tuple[str | None, object | None]:
    """(video id, None) or (None, uploaded file): `video` as the SDK sends either."""
    upload = request.FILES.get("video")
    if upload is not None:
        return None, upload
    video = request.data.get("video")
    video_id = video.get("id") if isinstance(video, dict) else request.data.get("video[id]")
    if not isinstance(video_id, str) or not video_id:
        raise ValidationError({"video": ['Send {"id": <video id>} or an MP4 file.']})
    return video_id, None


class VideoExtensionsView(OpenAICompatView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scope = "generation"  # an extension is a new job, like POST /v1/videos

    @extend_schema(
        operation_id="v1_videos_extensions_create",
        tags=TAGS,
        summary="Extend a completed video (OpenAI-compatible)",
        description="The result is one video: the source plus `seconds` new seconds continued "
        "from its last frame (its `seconds` is the whole clip's); charged by the new seconds.",
        request={
            "multipart/form-data": VideoExtendSerializer,
            "application/json": VideoExtendSerializer,
        },
        responses={
            200: VideoObjectSerializer,
            400: OpenApiResponse(
                response=OPENAI_ERROR,
                description="`param` names the field: `video` (not a usable MP4, a human face, "
                "neither id nor file) or `seconds` (the whole clip over 25 s).",
            ),
            403: OpenApiResponse(response=OPENAI_ERROR, description="`cameo_permission_denied`."),
            404: OpenApiResponse(
                response=OPENAI_ERROR, description="The id is not one of the caller's videos."
            ),
            409: OpenApiResponse(
                response=OPENAI_ERROR, description="`job_not_succeeded`: not completed."
            ),
        },
    )
    def post(self, request):
        if not isinstance(request.data, dict):  # a JSON list, string or null
            raise ValidationError({"prompt": ["Send the request as an object or a form."]})
        # `video` is read by _extension_source (a file, a JSON object or `video[id]`).
        fields = {k: request.data.get(k) for k in ("prompt", "seconds") if k in request.data}
        serializer = VideoExtendSerializer(data=fields)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        video_id, upload = _extension_source(request)
        source = checked = None
        if upload is not None:
            checked = derived.check_source_upload(upload)
        else:
            source = derived.usable_source(request.user, video_id, field="video")
        body = {
            "extend": video_id or checked.sha256,
            "prompt": data["prompt"],
            "seconds": data["seconds"],
        }
        job, _ = derived.create_extension(
            request.user,
            source=source,
            upload=checked,
            prompt=data["prompt"],
            seconds=data["seconds"],
            idempotency_key=_idempotency_key(request),
            request_hash=services.hash_request(body),
        )
        job.refresh_from_db()
        return video_response(job)


class VideoRemixView(OpenAICompatView):
    throttle_scope = "generation"  # a remix is a new job, like POST /v1/videos

    @extend_schema(
        operation_id="v1_videos_remix",
        tags=TAGS,
        summary="Remix a completed video with a new prompt",
        request=VideoRemixSerializer,
        responses={
            200: VideoObjectSerializer,
            409: OpenApiResponse(
                description="`video_not_ready`: only a completed video can be remixed."
            ),
        },
    )
    def post(self, request, video_id):
        source = services.access_job(request.user, video_id)
        if source.status != GenerationJob.Status.SUCCEEDED:
            raise VideoNotReady()
        serializer = VideoRemixSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        body = {"remix": str(source.id), "prompt": request.data.get("prompt")}
        job, _ = services.create_job(
            request.user,
            prompt=serializer.validated_data["prompt"],
            seconds=source.seconds,
            size=source.size,
            seed=source.seed,
            remix_of=source.remix_of,
            idempotency_key=_idempotency_key(request),
            request_hash=services.hash_request(body),
            extra_provenance={"remixed_from_job": str(source.id)},
        )
        job.refresh_from_db()
        return video_response(job)


class CharactersView(OpenAICompatView):
    """`videos.create_character(name=, video=)`: a character of the caller's, from a clip,
    verified like any (pending until then); its handle is derived from the name."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "characters"

    @extend_schema(
        operation_id="v1_videos_characters_create",
        tags=TAGS,
        summary="Create a character from a clip (OpenAI-compatible)",
        request={"multipart/form-data": CharacterCreateSerializer},
        responses={
            200: CharacterObjectSerializer,
            400: OpenApiResponse(
                response=OPENAI_ERROR, description="`video` not a clip we accept, or `name`."
            ),
        },
    )
    def post(self, request):
        serializer = CharacterCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name, video = serializer.validated_data["name"], serializer.validated_data["video"]
        for attempt in range(3):
            try:
                character = characters.create_character(
                    request.user,
                    video=video,
                    handle=characters.derive_handle(name),
                    name=name,
                    kind=characters.Kind.OTHER,
                )
                break
            except ValidationError as exc:
                # Lost a race for the derived handle: derive again (a bad video is final).
                if attempt == 2 or getattr(exc, "detail", {}).get("code") != "handle_taken":
                    raise
        return Response(CharacterObjectSerializer(character).data)


class CharacterDetailView(OpenAICompatView):
    @extend_schema(
        operation_id="v1_videos_characters_retrieve",
        tags=TAGS,
        summary="Retrieve a character (OpenAI-compatible)",
        responses={200: CharacterObjectSerializer, 404: OPENAI_ERROR},
    )
    def get(self, request, character_id):
        character = characters.access_character(request.user, character_id)
        return Response(CharacterObjectSerializer(character).data)


class VideoEditsView(OpenAICompatView):
    """`client.videos.edit(prompt=…, video={"id": …})`: a new video from one of the caller's
    completed videos and a prompt that says how to change it (the source's length, size and
    seed, its likenesses asked for consent again). The SDK sends a multipart form, the
    reference as `video[id]`; a JSON body `{"prompt", "video": {"id"}}` works too."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_scope = "generation"

    @extend_schema(
        operation_id="v1_videos_edit",
        tags=TAGS,
        summary="Edit a completed video with a prompt (OpenAI-compatible)",
        request=VideoEditSerializer,
        responses={
            200: VideoObjectSerializer,
            400: OpenApiResponse(response=OPENAI_ERROR, description="`param` names the field."),
            404: OpenApiResponse(response=OPENAI_ERROR, description="No such video of yours."),
            409: OpenApiResponse(
                response=OPENAI_ERROR, description="`job_not_succeeded`: not completed yet."
            ),
        },
    )
    def post(self, request):
        serializer = VideoEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        request_hash = services.hash_request({"edit": data["video_id"], "prompt": data["prompt"]})
        if data["upload"] is not None:
            job, _ = create_v1_upload_edit(
                request.user,
                prompt=data["prompt"],
                upload=data["upload"],
                idempotency_key=_idempotency_key(request),
                request_hash=request_hash,
            )
        else:
            job, _ = create_v1_edit(
                request.user,
                prompt=data["prompt"],
                source_id=data["video_id"],
                idempotency_key=_idempotency_key(request),
                request_hash=request_hash,
            )
        job.refresh_from_db()
        return video_response(job)
