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
