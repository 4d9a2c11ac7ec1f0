"""`model` and `reference_image` on POST generations (JSON or multipart) and `model` /
`input_reference` on /v1/videos: refused with a 400 naming the field before any charge,
accepted ones start from the picture."""

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from generation.models import GenerationJob, QuotaEntry
from tests.models.test_references import face_photo, landscape
from tests.models.tiny_models import use_tiny

pytestmark = pytest.mark.django_db
STORYBOARD = [
    {"seconds": 2, "camera": "static", "subject": "a boat", "action": "at sea"},
    {"seconds": 2, "camera": "zoom_in", "subject": "the sun", "action": "sets"},
]


@pytest.fixture
def client(auth_client, user):
    return auth_client(user)


def _picture(data=None, name="ref.jpg"):
    return SimpleUploadedFile(name, data if data is not None else landscape(), "image/jpeg")


def _post(client, body, fmt="multipart"):
    return client.post(
        "/api/v1/generations", body, format=fmt, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )


def _nothing_charged():
    return not GenerationJob.objects.exists() and not QuotaEntry.objects.exists()


@pytest.mark.slow
def test_multipart_with_a_reference_renders_from_it(
    client, settings, tiny_folders, django_capture_on_commit_callbacks
):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    body = {
        "prompt": "a boat at sea",
        "seconds": "4",
        "aspect": "16:9",
        "model": "wan:wan_i2v",
        "storyboard": json.dumps(STORYBOARD),
        "reference_image": _picture(),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body)
    assert response.status_code == 202, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert (job.size, len(job.storyboard)) == ("1280x720", 2)
    assert job.provenance["reference_image"].startswith("references/")


def test_a_face_is_a_400_with_its_code(client, settings, tiny_folders):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    body = {"prompt": "a walk", "seconds": "4", "reference_image": _picture(face_photo())}
    response = _post(client, body)
    assert response.status_code == 400
    assert response.json()["code"] == "reference_has_face"
    assert "reference_image" in response.json()
    assert _nothing_charged()


@pytest.mark.parametrize(
    ("data", "code"), [(b"%PDF-1.7 not a picture", "not_an_image"), (b"", "invalid")]
)
def test_a_file_that_is_not_a_picture_is_a_400(client, settings, tiny_folders, data, code):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    response = _post(client, {"prompt": "p", "seconds": "4", "reference_image": _picture(data)})
    assert response.status_code == 400
    assert "reference_image" in response.json()
    assert _nothing_charged()


def test_an_unknown_model_is_a_400_naming_it(client, settings):
    settings.GENERATION_PROVIDER = "local"
    response = _post(client, {"prompt": "a boat", "model": "ltx-2-19b"}, fmt="json")
    assert response.status_code == 400
    assert "model" in response.json()
    assert _nothing_charged()


def test_a_model_without_image_input_refuses_a_reference(client, settings):
    settings.GENERATION_PROVIDER = "local"
    response = _post(client, {"prompt": "a boat", "seconds": "4", "reference_image": _picture()})
    assert response.status_code == 400
    assert "cannot start from a reference image" in response.json()["reference_image"][0]
    assert _nothing_charged()


def test_a_multipart_storyboard_must_be_json(client, settings):
    settings.GENERATION_PROVIDER = "local"
    response = _post(client, {"prompt": "a boat", "storyboard": "[{not json"})
    assert response.status_code == 400
    assert "storyboard" in response.json()


def test_a_reference_cannot_ride_in_json(client, settings):
    settings.GENERATION_PROVIDER = "local"
    response = _post(client, {"prompt": "a boat", "reference_image": "aGVsbG8="}, fmt="json")
    assert response.status_code == 400
    assert "multipart" in response.json()["reference_image"][0]


def test_another_user_cannot_see_a_job_made_from_a_reference(
    client, settings, tiny_folders, auth_client, other_user
):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    response = _post(client, {"prompt": "a boat", "seconds": "4", "reference_image": _picture()})
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert auth_client(other_user).get(f"/api/v1/generations/{job_id}").status_code == 404
    assert auth_client(other_user).get(f"/v1/videos/{job_id}").status_code == 404


def _padded_face(size=(720, 1280)) -> bytes:
    """The portrait letterboxed to the clip's size (OpenAI's rule), so the face check runs."""
    import io

    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(face_photo())) as image:
        padded = ImageOps.pad(image.convert("RGB"), size, color=(0, 0, 0))
    out = io.BytesIO()
    padded.save(out, format="JPEG")
    return out.getvalue()


def _v1_post(client, body):
    return client.post("/v1/videos", body, format="multipart")


def test_v1_input_reference_must_match_size(client, settings, tiny_folders):
    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    body = {"prompt": "a boat", "seconds": "4", "size": "1280x720", "input_reference": _picture()}
    response = _v1_post(client, body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "input_reference"
    assert "must match size 1280x720" in response.json()["error"]["message"]
    assert _nothing_charged()


def test_v1_input_reference_at_the_size_is_taken(client, settings, tiny_folders):
    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    body = {
        "prompt": "a boat",
        "seconds": "4",
        "size": "1280x720",
        "model": "ltx2:ltx2",
        "input_reference": _picture(landscape(1280, 720)),
    }
    response = _v1_post(client, body)
    assert response.status_code == 200, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.provenance["reference_image_sha256"]


def test_v1_face_and_unknown_model(client, settings, tiny_folders):
    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    face = _v1_post(client, {"prompt": "p", "input_reference": _picture(_padded_face())})
    assert face.status_code == 400
    assert face.json()["error"]["code"] == "reference_has_face"
    assert face.json()["error"]["param"] == "input_reference"
    unknown = _v1_post(client, {"prompt": "p", "model": "sora-2"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["param"] == "model"
    assert _nothing_charged()


def test_v1_against_openai_itself_says_provider_retired(client, settings):
    settings.GENERATION_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = None
    settings.OPENAI_VIDEO_MODEL = "sora-2"
    response = client.post("/v1/videos", {"prompt": "a boat"}, format="json")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "provider_retired"
    assert "OPENAI_BASE_URL" in response.json()["error"]["message"]
    assert _nothing_charged()
