"""Reference images: checked with Pillow's limits and OpenCV's bundled face cascades before
anything is stored or charged, then the first shot starts from them (diffusers image-to-video,
a ComfyUI image workflow, or the Videos API's input_reference at the clip's exact size)."""

import io
import json
import struct
import uuid
import zlib

import pytest
from rest_framework.exceptions import ValidationError

from config.storage import read_file
from generation.references import check_reference_image, store_reference
from generation.services import create_job
from tests.models.tiny_models import use_tiny

pytestmark = pytest.mark.django_db


def face_photo() -> bytes:
    """A public-domain portrait (Grace Hopper) from matplotlib's bundled sample data."""
    from matplotlib import cbook

    with open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False), "rb") as handle:
        return handle.read()


def landscape(width=640, height=360) -> bytes:
    """A drawn scene with no one in it: sky, sea, a sun, a boat."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (120, 170, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 2 // 3, width, height), fill=(20, 70, 140))
    draw.ellipse((width - 140, 30, width - 60, 110), fill=(250, 210, 80))
    draw.polygon([(200, 250), (320, 250), (300, 275), (220, 275)], fill=(110, 60, 30))
    exif = Image.Exif()
    exif[0x010E] = "taken at home, 51.5N 0.1W"  # ImageDescription: must not survive
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def bomb_png(side=40_000) -> bytes:
    """A PNG whose header claims side x side pixels (the body never needs decoding)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def test_a_face_is_refused_with_its_own_code():
    with pytest.raises(ValidationError) as caught:
        check_reference_image(face_photo())
    assert caught.value.detail["code"] == "reference_has_face"
    assert "cameos" in str(caught.value.detail["reference_image"][0])


def test_a_scene_without_people_is_cleaned_and_kept():
    from PIL import Image

    reference = check_reference_image(landscape())
    assert (reference.width, reference.height) == (640, 360)
    with Image.open(io.BytesIO(reference.png)) as image:
        assert image.format == "PNG"
        assert "exif" not in image.info


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a not what we take", "not_an_image"),
        (b"", "not_an_image"),
        (bomb_png(), "too_large"),
    ],
)
def test_bad_files_are_refused_naming_the_field(data, code):
    with pytest.raises(ValidationError) as caught:
        check_reference_image(data, field="input_reference")
    assert caught.value.detail["code"] == code
    assert "input_reference" in caught.value.detail


def test_too_many_bytes_are_refused_before_decoding(settings):
    settings.REFERENCE_IMAGE_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as caught:
        check_reference_image(landscape())
    assert caught.value.detail["code"] == "too_large"


def test_the_videos_api_rule_the_picture_must_match_the_size():
    with pytest.raises(ValidationError) as caught:
        check_reference_image(landscape(), field="input_reference", size="1280x720")
    assert "must match size 1280x720" in str(caught.value.detail["input_reference"][0])
    assert check_reference_image(landscape(1280, 720), size="1280x720").width == 1280


TWO_SHOTS = [
    {"seconds": 2, "camera": "static", "subject": "a boat", "action": "at sea"},
    {"seconds": 2, "camera": "pan_right", "subject": "the sun", "action": "sets"},
]


def _create(user, reference_bytes, **kwargs):
    record = store_reference(check_reference_image(reference_bytes))
    job, _ = create_job(
        user,
        prompt="a boat at sea",
        seconds=4,
        seed=1,
        idempotency_key=str(uuid.uuid4()),
        extra_provenance=record,
        **kwargs,
    )
    return job


@pytest.mark.slow
def test_wan_image_to_video_starts_from_the_reference(
    tiny_folders, settings, user, django_capture_on_commit_callbacks
):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, landscape())
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provenance["reference_image"].startswith("references/")
    assert len(job.provenance["reference_image_sha256"]) == 64


@pytest.mark.slow
def test_a_comfyui_image_workflow_gets_the_reference_then_the_last_frame(
    settings, tmp_path, user, django_capture_on_commit_callbacks
):
    from PIL import Image

    from tests.models.fake_comfyui import IMAGE_NODE, WORKFLOW, FakeComfyUI

    path = tmp_path / "workflow.json"
    path.write_text(json.dumps({**WORKFLOW, "10": IMAGE_NODE}))
    settings.GENERATION_PROVIDER = "comfyui"
    settings.COMFYUI_WORKFLOW = str(path)
    settings.COMFYUI_RENDER_SIZE = "48x80"
    settings.COMFYUI_FPS = 8
    settings.GENERATION_POLL_INTERVAL_SECONDS = 0.01
    with FakeComfyUI() as server:
        settings.COMFYUI_URL = server.url
        with django_capture_on_commit_callbacks(execute=True):
            job = _create(user, landscape(), size="1280x720", storyboard=TWO_SHOTS)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    prompts = list(server.prompts.values())
    assert [p["10"]["inputs"]["image"] for p in prompts] == ["upload-0.png", "upload-1.png"]
    with Image.open(io.BytesIO(server.uploads[0][1])) as first:
        assert first.size == (80, 48)
        assert first.getpixel((2, 2))[2] > 150  # the reference's blue sky, not a frame
    with Image.open(io.BytesIO(server.uploads[1][1])) as second:
        grey = second.getpixel((2, 2))
        assert abs(grey[0] - grey[2]) < 12  # the fake's grey frames: shot 1's last frame


@pytest.mark.slow
def test_the_openai_provider_sends_input_reference_at_the_clip_size(
    settings, openai_gateway, user, django_capture_on_commit_callbacks
):
    from PIL import Image

    from tests.generation.fake_servers import parse_multipart

    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, landscape(), size="720x1280")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    create = openai_gateway.requests[0]
    fields = parse_multipart(create["headers"]["content-type"], create["body"])
    with Image.open(io.BytesIO(fields["input_reference"])) as sent:
        assert sent.size == (720, 1280)
    assert read_file(job.provenance["reference_image"])[:4] == b"\x89PNG"
