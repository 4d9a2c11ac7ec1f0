"""`/`: a small JSON index of what this server offers, so the bare host is not a 404."""

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe


@require_safe
def api_index(request):
    """Links to the documentation, the schema, the native API and the OpenAI-compatible one."""
    return JsonResponse(
        {
            "name": "Cutaway",
            "docs": request.build_absolute_uri(reverse("docs")),
            "schema": request.build_absolute_uri(reverse("schema")),
            "api": request.build_absolute_uri("/api/v1/"),
            "v1": request.build_absolute_uri("/v1/"),
            "admin": request.build_absolute_uri(reverse("admin:index")),
        }
    )
