"""Production static files: `collectstatic` into hashed, compressed copies that WhiteNoise
serves with DEBUG off (the admin's CSS, Swagger UI's assets), without a web server in front."""

import re

import pytest
from django.core.management import call_command
from django.test import Client


@pytest.fixture
def production_static(settings, tmp_path):
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def _asset(html: str, pattern: str) -> str:
    match = re.search(rf'(?:href|src)="(/static/{pattern})"', html)
    assert match, pattern
    return match.group(1)


@pytest.mark.slow
@pytest.mark.django_db
def test_debug_off_serves_hashed_admin_css_and_swagger_ui(production_static):
    client = Client()  # built after the settings change: WhiteNoise reads STATIC_ROOT at start
    login = client.get("/admin/login/")
    assert login.status_code == 200
    css = _asset(login.content.decode(), r"admin/css/base\.[0-9a-f]{12}\.css")
    response = client.get(css, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]  # hashed names may be cached for ever

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    bundle = _asset(
        docs.content.decode(), r"drf_spectacular_sidecar/[^\"]*swagger-ui-bundle\.[0-9a-f]{12}\.js"
    )
    response = client.get(bundle)
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in b"".join(response.streaming_content)
    assert client.get("/static/admin/css/no-such.css").status_code == 404
