"""Extending on an open-weights model: the source's last frame is the picture the model is
conditioned on (a Wan image-to-video folder, which cannot render without one, succeeds), and
a model that cannot start from a picture refuses `extend` before anything is charged."""

import pytest

from generation.models import GenerationJob, QuotaEntry
from generation.services import derived
from generation.services.jobs import create_job
from tests.generation.conftest import new_key
from tests.models.tiny_models import use_tiny

pytestmark = pytest.mark.django_db


def _local_source(user, settings, capture):
    settings.GENERATION_PROVIDER = "local"
    with capture(execute=True):
        job, _ = create_job(
            user, prompt="A kite over a beach.", seconds=4, seed=2, idempotency_key=new_key()
        )
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_message
    return job


@pytest.mark.slow
def test_an_image_to_video_model_continues_from_the_last_frame(
    tiny_folders, settings, user, django_capture_on_commit_callbacks
):
    source = _local_source(user, settings, django_capture_on_commit_callbacks)
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    with django_capture_on_commit_callbacks(execute=True):
        job, created = derived.create_extension(
            user, source=source, prompt="The kite dives.", seconds=4,
            idempotency_key=new_key(), request_hash="x",
        )  # fmt: skip
    job.refresh_from_db()
    assert created and job.kind == "extend"
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provider == "diffusers"
    assert 7.9 <= job.probe["duration"] <= 8.1


def test_a_text_only_model_refuses_extend(tiny_folders, settings, user):
    from tests.factories import JobFactory

    source = JobFactory(user=user, seconds=4)
    use_tiny(settings, "wan", tiny_folders["wan"])
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        derived.create_extension(
            user, source=source, prompt="Go on.", seconds=4,
            idempotency_key=new_key(), request_hash="x",
        )  # fmt: skip
    assert "extend" in error.value.detail
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert not QuotaEntry.objects.exists()
