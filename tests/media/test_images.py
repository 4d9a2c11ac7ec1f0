"""media.images.sanitize_image: only small, clean JPEG/PNG bytes come out of untrusted input."""

import io

import pytest
from PIL import Image

from media.errors import NOT_AN_IMAGE, TOO_LARGE, InvalidMedia
from media.images import image_extension, sanitize_image

LIMITS = {"max_bytes": 2_000_000, "max_pixels": 4_000_000, "size": 128}


def encode(fmt, size=(300, 200), mode="RGB", color="green", **kwargs) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_allowed_formats_become_square_jpeg(fmt):
    out = sanitize_image(encode(fmt), **LIMITS)
    image = Image.open(io.BytesIO(out))
    assert (image.format, image.size) == ("JPEG", (128, 128))
    assert image_extension(out) == "jpg"


def test_alpha_becomes_png():
    out = sanitize_image(encode("PNG", mode="RGBA", color=(1, 2, 3, 0)), **LIMITS)
    assert Image.open(io.BytesIO(out)).format == "PNG"
    assert image_extension(out) == "png"


def test_small_image_is_scaled_up_to_size():
    out = sanitize_image(encode("PNG", size=(10, 30)), **LIMITS)
    assert Image.open(io.BytesIO(out)).size == (128, 128)


def test_centre_crop_keeps_the_middle():
    image = Image.new("RGB", (300, 100), "red")
    image.paste(Image.new("RGB", (100, 100), "blue"), (100, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    out = Image.open(io.BytesIO(sanitize_image(buffer.getvalue(), **LIMITS))).convert("RGB")
    red, green, blue = out.getpixel((64, 64))
    assert blue > 200 and red < 60


def test_exif_orientation_is_applied_then_dropped():
    image = Image.new("RGB", (200, 200), "red")
    image.paste(Image.new("RGB", (100, 200), "blue"), (100, 0))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise: red on top, blue at the bottom
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    out = Image.open(io.BytesIO(sanitize_image(buffer.getvalue(), **{**LIMITS, "size": 64})))
    assert not out.getexif()
    top_right, bottom_left = out.convert("RGB").getpixel((54, 5)), out.getpixel((10, 58))
    assert top_right[0] > 200 and top_right[2] < 60  # red
    assert bottom_left[2] > 200 and bottom_left[0] < 60  # blue


def test_icc_and_text_chunks_are_dropped():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    data = encode("PNG", mode="RGBA", color=(0, 0, 0, 0), pnginfo=info)
    out = sanitize_image(data, **LIMITS)
    assert b"<script>" not in out
    assert "Comment" not in Image.open(io.BytesIO(out)).info


def test_polyglot_trailer_is_not_carried_over():
    data = encode("JPEG") + b"<?php system($_GET['c']); ?>"
    out = sanitize_image(data, **LIMITS)
    assert b"<?php" not in out


def test_first_frame_of_animation():
    frames = [Image.new("RGB", (50, 50), c) for c in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:])
    out = sanitize_image(buffer.getvalue(), **LIMITS)
    assert Image.open(io.BytesIO(out)).getpixel((10, 10))[0] > 200


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"GIF89a" + b"\x00" * 100],
)
def test_garbage_is_not_an_image(data):
    with pytest.raises(InvalidMedia) as error:
        sanitize_image(data, **LIMITS)
    assert error.value.code == NOT_AN_IMAGE


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_formats_outside_the_allow_list_are_refused(fmt):
    with pytest.raises(InvalidMedia) as error:
        sanitize_image(encode(fmt, size=(32, 32)), **LIMITS)
    assert error.value.code == NOT_AN_IMAGE


def test_pixel_limit_is_checked_from_the_header(monkeypatch):
    data = encode("PNG", size=(3000, 3000), mode="1")
    assert len(data) < 100_000

    def no_decoding(self, *args, **kwargs):
        raise AssertionError("decoded an image over the pixel limit")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    with pytest.raises(InvalidMedia) as error:
        sanitize_image(data, max_bytes=10**6, max_pixels=1_000_000, size=64)
    assert error.value.code == TOO_LARGE


def test_byte_limit_reads_no_further_than_the_cap():
    class Stream(io.BytesIO):
        biggest_read = 0

        def read(self, size=-1):
            Stream.biggest_read = max(Stream.biggest_read, size)
            return super().read(size)

    stream = Stream(b"x" * 100_000)
    with pytest.raises(InvalidMedia) as error:
        sanitize_image(stream, max_bytes=1000, max_pixels=10**6, size=64)
    assert error.value.code == TOO_LARGE
    assert 0 < Stream.biggest_read <= 1001


def test_declared_upload_size_is_refused_before_reading():
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("a.png", encode("PNG"))
    upload.size = 10**9
    with pytest.raises(InvalidMedia) as error:
        sanitize_image(upload, **LIMITS)
    assert error.value.code == TOO_LARGE
