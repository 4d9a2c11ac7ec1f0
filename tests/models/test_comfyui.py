"""The comfyui provider against a loopback server speaking ComfyUI's HTTP shapes: a job's
shots each become one queued prompt with the placeholders filled, outputs come from /view,
image workflows start from the reference and then the previous shot's last frame."""

import json
import uuid

import pytest

from config.storage import read_file
from generation.models import QuotaEntry
from generation.providers.comfyui import fill_workflow
from generation.services import create_job
from tests.models.fake_comfyui import IMAGE_NODE, WORKFLOW, FakeComfyUI

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
STORYBOARD = [
    {"seconds": 2.5, "camera": "zoom_in", "subject": "a cat", "action": "walks in the rain"},
    {"seconds": 1.5, "camera": "tilt_up", "subject": "the city", "action": "at night"},
]


@pytest.fixture
def comfy(settings, tmp_path):
    def start(workflow):
        path = tmp_path / "workflow.json"
        path.write_text(json.dumps(workflow))
        server = FakeComfyUI()
        settings.GENERATION_PROVIDER = "comfyui"
        settings.COMFYUI_URL = server.url
        settings.COMFYUI_WORKFLOW = str(path)
        settings.COMFYUI_RENDER_SIZE = "48x80"
        settings.COMFYUI_FPS = 8
        settings.GENERATION_POLL_INTERVAL_SECONDS = 0.01
        return server

    return start


def _create(user, prompt="a cat in the city", **kwargs):
    job, _ = create_job(
        user, prompt=prompt, seconds=4, seed=2, idempotency_key=str(uuid.uuid4()), **kwargs
    )
    return job


def test_placeholders_keep_their_types():
    filled = fill_workflow(WORKFLOW, {"seed": 7, "prompt": "hi", "width": 48, "fps": 8})
    assert filled["3"]["inputs"]["seed"] == 7
    assert filled["5"]["inputs"]["width"] == 48
    assert filled["6"]["inputs"]["text"] == "hi"
    assert filled["9"]["inputs"]["filename_prefix"] == "cutaway/7"
    assert filled["5"]["inputs"]["length"] == "{{frames}}"  # unknown values stay as they were


def test_a_job_renders_each_shot_on_comfyui(
    comfy, user, django_capture_on_commit_callbacks, tmp_path
):
    from media.probe import probe_video

    with comfy(WORKFLOW) as server, django_capture_on_commit_callbacks(execute=True):
        job = _create(user, storyboard=STORYBOARD, size="1280x720")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    prompts = list(server.prompts.values())
    assert len(prompts) == 2
    first = prompts[0]
    assert first["6"]["inputs"]["text"].startswith("a cat walks in the rain. the camera slowly")
    # Landscape output: the render size turns, each side a multiple of 16.
    assert (first["5"]["inputs"]["width"], first["5"]["inputs"]["height"]) == (80, 48)
    assert first["5"]["inputs"]["length"] == 21  # 2.5 s at 8 fps → 4k+1
    assert [p["3"]["inputs"]["seed"] for p in prompts] == [2000, 2001]
    assert ("GET", "/view?filename=shot_") in [(m, p[:20]) for m, p in server.requests]
    path = tmp_path / "out.mp4"
    path.write_bytes(read_file(job.video_file))
    probe = probe_video(path, require_audio=True)
    assert (probe.width, probe.height) == (1280, 720)
    assert 3.9 <= probe.duration <= 4.2


def test_an_image_workflow_needs_a_reference(comfy, user, django_capture_on_commit_callbacks):
    server = comfy({**WORKFLOW, "10": IMAGE_NODE})
    with server, django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "reference_image_required")
    assert server.prompts == {}


def test_a_node_error_fails_the_job_readably_and_refunds(
    comfy, user, django_capture_on_commit_callbacks
):
    with comfy(WORKFLOW), django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt="the robot will explode")
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "comfyui_error")
    assert job.error_message == "ComfyUI failed on shot 1: KSampler: CUDA out of memory"
    kinds = sorted(QuotaEntry.objects.filter(job=job).values_list("kind", flat=True))
    assert kinds == ["charge", "refund"]


def test_an_unreachable_server_fails_the_job(
    comfy, settings, user, django_capture_on_commit_callbacks
):
    comfy(WORKFLOW)  # not started
    settings.COMFYUI_URL = "http://127.0.0.1:9"
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "comfyui_unreachable")


def test_models_lists_the_workflow_and_whether_it_needs_an_image(comfy, auth_client, user):
    comfy({**WORKFLOW, "10": IMAGE_NODE})
    (model,) = auth_client(user).get("/api/v1/models").json()
    assert (model["id"], model["provider"]) == ("comfyui", "comfyui")
    assert model["capabilities"]["image_required"] is True
