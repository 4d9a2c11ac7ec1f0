"""Generation endpoints (API.md, "Generation"): parse, call a service, shape the response."""

import uuid

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.serializers import CreditsSerializer, InsufficientCreditsSerializer
from generation import services
from generation.model_views import create_body
from generation.selectors import jobs_for_user
from generation.serializers import (
    GenerationCreateSerializer,
    GenerationJobSerializer,
    QuotaSerializer,
    StitchCreateSerializer,
    StoryboardPlanRequestSerializer,
    StoryboardPlanSerializer,
)
from generation.services import derived
from generation.services.model_jobs import create_model_job
from generation.services.variants import create_variants

IDEMPOTENCY_KEY = OpenApiParameter(
    name="Idempotency-Key",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description="Any unique string (a UUID). Retrying with the same key and body returns the "
    "same job (200) and charges once; the same key with another body is 409.",
)
ERRORS = {
    400: OpenApiResponse(description="Invalid field (the body names it)."),
    402: OpenApiResponse(
        response=InsufficientCreditsSerializer,
        description="`insufficient_credits`: beyond the plan's daily allowance and the balance "
        "cannot pay; the body has `balance` and `price` (credits). Nothing was charged.",
    ),
    403: OpenApiResponse(description="`account_suspended` or `cameo_permission_denied`."),
    404: OpenApiResponse(description="`extend` is not one of the caller's jobs."),
    409: OpenApiResponse(
        description="`idempotency_key_reused`, or `job_not_succeeded` (the `extend` job did not "
        "succeed, or was taken down)."
    ),
    429: OpenApiResponse(description="`quota_exceeded` (with `resets_at`) or throttled."),
    503: OpenApiResponse(
        description="`service_unavailable`: the job queue is unreachable; nothing was created "
        "or charged (Retry-After)."
    ),
}


class GenerationVariantsSerializer(serializers.Serializer):
    """POST generations with `variants` > 1: the candidates, first one first."""

    jobs = GenerationJobSerializer(many=True)


class CreatedJobSerializer(GenerationJobSerializer):
    """The one job a create answers (the same fields as GenerationJob). `id` is declared
    plainly so the schema requires it of this shape and the two shapes of `GenerationCreated`
    cannot both match one body (a validator ignores `required` on readOnly fields)."""

    id = serializers.UUIDField()


CREATED = PolymorphicProxySerializer(
    component_name="GenerationCreated",
    serializers=[CreatedJobSerializer, GenerationVariantsSerializer],
    resource_type_field_name=None,
)


class GenerationListCreateView(ListAPIView):
    serializer_class = GenerationJobSerializer
    throttle_scope = "generation"  # creating jobs, not polling them (writes only)

    def get_queryset(self):
        jobs = jobs_for_user(self.request.user)
        group = self.request.query_params.get("group")
        if group is None:
            return jobs
        try:
            return jobs.filter(variant_group=uuid.UUID(group))
        except ValueError:
            raise ValidationError({"group": ["Must be a variant_group id (a UUID)."]}) from None

    @extend_schema(
        operation_id="generations_list",
        tags=["generation"],
        summary="The caller's generation jobs, newest first",
        parameters=[
            OpenApiParameter(
                "group",
                OpenApiTypes.UUID,
                required=False,
                description="Only the candidates of one `variants` request (its `variant_group`).",
            )
        ],
    )
    def get(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        tags=["generation"],
        operation_id="generations_create",
        summary="Start a generation job",
        parameters=[IDEMPOTENCY_KEY],
        request=GenerationCreateSerializer,
        responses={202: CREATED, 200: CREATED, **ERRORS},
        description="With `variants` > 1 the answer is `{jobs: [...]}` (each candidate its own "
        "job, seed and charge, all or none); otherwise the job.",
    )
    def post(self, request):
        body = create_body(request)
        serializer = GenerationCreateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        variants = data.get("variants", 1)
        if data.get("extend"):
            if variants > 1:
                raise ValidationError({"variants": ["An extension has one candidate."]})
            return created_job_response(request, *_create_extension(request, data, body))
        extra = {"create": create_variants, "variants": variants} if variants > 1 else {}
        made, created = create_model_job(
            request.user,
            model=data.get("model"),
            reference_upload=data.get("reference_image"),
            prompt=data["prompt"],
            seconds=data["seconds"],
            size=data["size"],
            cameo_handles=data.get("cameos") or [],
            remix_of=data.get("remix_of"),
            storyboard=data.get("storyboard"),
            seed=data.get("seed"),
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            request_hash=services.hash_request(
                {k: v for k, v in body.items() if k != "reference_image"}
            ),
            **extra,
        )
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        if isinstance(made, list):
            jobs = {
                j.pk: j for j in jobs_for_user(request.user).filter(pk__in=[m.pk for m in made])
            }
            data = GenerationJobSerializer([jobs[m.pk] for m in made], many=True).data
            location = f"{reverse('generation-list')}?group={made[0].variant_group}"
            return Response({"jobs": data}, status=code, headers={"Location": location})
        return created_job_response(request, made, created)


def created_job_response(request, job, created: bool) -> Response:
    """202 with the new job (200 for an Idempotency-Key replay), and its Location."""
    job = jobs_for_user(request.user).get(pk=job.pk)
    return Response(
        GenerationJobSerializer(job).data,
        status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK,
        headers={"Location": reverse("generation-detail", args=[job.pk])},
    )


def _create_extension(request, data: dict, body: dict):
    """POST generations with `extend`: the source must be the caller's succeeded job."""
    source = derived.usable_source(request.user, data["extend"], field="extend")
    return derived.create_extension(
        request.user,
        source=source,
        prompt=data["prompt"],
        seconds=data["seconds"],
        cameo_handles=data.get("cameos") or [],
        storyboard=data.get("storyboard"),
        seed=data.get("seed"),
        model=data.get("model"),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        request_hash=services.hash_request(body),
    )


class GenerationStitchView(APIView):
    throttle_scope = "generation"

    @extend_schema(
        operation_id="generations_stitch",
        tags=["generation"],
        summary="Join 2-8 of the caller's succeeded clips into one (cuts or crossfades)",
        parameters=[IDEMPOTENCY_KEY],
        request=StitchCreateSerializer,
        responses={
            202: GenerationJobSerializer,
            200: GenerationJobSerializer,
            400: OpenApiResponse(
                description="`parts`: not 2-8 clips, mixed aspect ratios, or over the length "
                "limit together; `crossfade` out of range."
            ),
            403: ERRORS[403],
            404: OpenApiResponse(description="A part is not one of the caller's jobs."),
            409: OpenApiResponse(
                description="`job_not_succeeded` (a part did not succeed, or was taken down) "
                "or `idempotency_key_reused`."
            ),
            429: ERRORS[429],
            503: ERRORS[503],
        },
    )
    def post(self, request):
        serializer = StitchCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parts = derived.check_stitch_parts(request.user, data["parts"], crossfade=data["crossfade"])
        job, created = derived.create_stitch(
            request.user,
            parts=parts,
            crossfade=data["crossfade"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            request_hash=services.hash_request(request.data),
        )
        return created_job_response(request, job, created)


class GenerationDetailView(APIView):
    @extend_schema(
        operation_id="generations_retrieve",
        tags=["generation"],
        summary="One of the caller's jobs",
        responses={200: GenerationJobSerializer, 404: OpenApiResponse(description="Not found.")},
    )
    def get(self, request, job_id):
        job = services.access_job(request.user, job_id)
        job = jobs_for_user(request.user).get(pk=job.pk)
        return Response(GenerationJobSerializer(job).data)


class GenerationCancelView(APIView):
    @extend_schema(
        operation_id="generations_cancel",
        tags=["generation"],
        summary="Cancel an unfinished job (its quota is refunded)",
        request=None,
        responses={
            200: GenerationJobSerializer,
            404: OpenApiResponse(description="Not found."),
            409: OpenApiResponse(description="`job_finished`."),
        },
    )
    def post(self, request, job_id):
        job = services.access_job(request.user, job_id)
        services.cancel_job(request.user, job)
        job = jobs_for_user(request.user).get(pk=job.pk)
        return Response(GenerationJobSerializer(job).data)


class StoryboardPlanView(APIView):
    @extend_schema(
        operation_id="storyboards_plan",
        tags=["generation"],
        summary="Plan a prompt or script into shots, without rendering",
        request=StoryboardPlanRequestSerializer,
        responses={200: StoryboardPlanSerializer},
    )
    def post(self, request):
        from generation.storyboard import plan_storyboard

        serializer = StoryboardPlanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        shots = plan_storyboard(data["text"], data["seconds"], seed=data["seed"])
        return Response({"shots": shots})


class CreditsView(APIView):
    @extend_schema(
        operation_id="credits_retrieve",
        summary="My plan, daily allowance, credit balance and latest ledger entries",
        tags=["credits"],
        parameters=[
            OpenApiParameter(
                "verify", OpenApiTypes.BOOL, required=False, description="Also verify the chain."
            )
        ],
        responses={200: CreditsSerializer},
    )
    def get(self, request):
        verify = request.query_params.get("verify", "").lower() in {"1", "true", "yes"}
        status_ = services.credits_status(request.user, verify=verify)
        return Response(CreditsSerializer(status_).data)


class QuotaView(APIView):
    @extend_schema(
        operation_id="me_quota_retrieve",
        tags=["generation"],
        summary="The caller's daily generation quota",
        responses={200: QuotaSerializer},
    )
    def get(self, request):
        return Response(QuotaSerializer(services.quota_status(request.user)).data)
