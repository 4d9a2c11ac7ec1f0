import io

import pytest


def image_bytes(fmt="PNG", size=(800, 600), mode="RGB", color="red", **save_kwargs) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def upload(data: bytes, name="avatar.png", content_type="image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def png_bytes():
    return image_bytes()


@pytest.fixture
def auth_rate(settings, monkeypatch):
    """`auth_rate("2/min")` lowers the `auth` throttle scope for one test."""
    from rest_framework.throttling import SimpleRateThrottle

    def _set(rate: str):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": rate}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
        # DRF copies the rates into the class at import time.
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)

    return _set
