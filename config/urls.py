from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.index import api_index
from config.storage import serve_signed_file, serve_signed_folder

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("generation.urls")),
    path("", include("feed.urls")),
    path("", include("moderation.urls")),
    path("", include("push.urls")),
    path("", include("events.urls")),
    path("", include("billing.urls")),
    path("", include("discovery.urls")),
]

urlpatterns = [
    path("", api_index, name="index"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("files/<str:token>", serve_signed_file, name="signed-file"),
    path("files/<str:token>/<path:entry>", serve_signed_folder, name="signed-folder"),
    # OpenAI-compatible Videos API (mirrors the public SDK's paths).
    path("v1/", include("generation.openai_compat.urls")),
]

handler400 = "config.exceptions.json_bad_request"
handler403 = "config.exceptions.json_permission_denied"
handler404 = "config.exceptions.json_not_found"
handler500 = "config.exceptions.json_server_error"

admin.site.site_header = "Cutaway moderation console"
admin.site.site_title = "Cutaway console"
