"""The diffusers provider conditions on a character's picture where the model can: an
image-to-video Wan (which cannot start without an image) renders a job that shows a
character and sent no reference image, from that character's picture."""

import uuid

import pytest

from generation.services import create_job
from tests.models.conftest import tiny_folders  # noqa: F401
from tests.models.tiny_models import use_tiny

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _no_policy(settings):
    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = []


def _job(user, prompt, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = create_job(
            user, prompt=prompt, seconds=4, seed=5, idempotency_key=str(uuid.uuid4())
        )
    job.refresh_from_db()
    return job


def test_an_image_to_video_model_starts_from_the_characters_picture(
    tiny_folders,  # noqa: F811
    settings,
    user,
    make_character,
    django_capture_on_commit_callbacks,
):
    make_character(user, "biscuit")
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    without = _job(user, "a ball rolls", django_capture_on_commit_callbacks)
    assert (without.status, without.error_code) == ("failed", "reference_image_required")
    job = _job(user, "@biscuit rolls a ball", django_capture_on_commit_callbacks)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.probe["duration"] > 3
