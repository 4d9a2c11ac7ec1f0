"""Creating a job for a model: what the model cannot serve, a bad or face-showing reference
and a retired vendor are refused before anything is charged or stored."""

import uuid

import pytest
from django.core.files.storage import default_storage
from rest_framework.exceptions import ValidationError

from generation.catalog import ProviderRetired
from generation.models import GenerationJob, QuotaEntry
from generation.services.model_jobs import create_model_job
from tests.models.test_references import face_photo, landscape
from tests.models.tiny_models import use_tiny

pytestmark = pytest.mark.django_db


def _create(user, key=None, **kwargs):
    kwargs.setdefault("prompt", "a boat at sea")
    kwargs.setdefault("seconds", 4)
    return create_model_job(user, idempotency_key=key or str(uuid.uuid4()), **kwargs)


def _nothing_written():
    stored = default_storage.exists("references") and default_storage.listdir("references")[1]
    return not GenerationJob.objects.exists() and not QuotaEntry.objects.exists() and not stored


def _refused(user, field, **kwargs):
    with pytest.raises(ValidationError) as caught:
        _create(user, **kwargs)
    assert field in caught.value.detail, caught.value.detail
    assert _nothing_written()
    return caught.value.detail


def test_an_unknown_model_is_refused_naming_the_field(user, settings):
    settings.GENERATION_PROVIDER = "local"
    detail = _refused(user, "model", model="wan-14b")
    assert "cutaway-local-1" in str(detail["model"][0])


def test_the_default_model_needs_no_name(user, settings):
    settings.GENERATION_PROVIDER = "local"
    job, created = _create(user, model="cutaway-local-1")
    assert created and job.model == "cutaway-local-1"


def test_a_model_that_cannot_start_from_a_picture_refuses_one(user, settings):
    settings.GENERATION_PROVIDER = "local"
    _refused(user, "reference_image", reference_upload=landscape())


def test_an_image_to_video_model_needs_a_reference(user, settings, tiny_folders):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    _refused(user, "reference_image")


def test_a_face_is_refused_before_anything_is_stored(user, settings, tiny_folders):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    detail = _refused(user, "reference_image", reference_upload=face_photo())
    assert detail["code"] == "reference_has_face"


def test_longer_than_the_model_renders_is_refused(user, settings):
    settings.GENERATION_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = "https://videos.example.net/v1"
    _refused(user, "seconds", seconds=20)


def test_retired_sora_fails_at_creation_not_at_the_network(user, settings):
    settings.GENERATION_PROVIDER = "openai"
    settings.OPENAI_VIDEO_MODEL = "sora-2-pro"
    settings.OPENAI_BASE_URL = None
    with pytest.raises(ProviderRetired) as caught:
        _create(user)
    assert caught.value.get_codes() == "provider_retired"
    assert "2026-09-24" in str(caught.value.detail)
    assert _nothing_written()


def test_a_replayed_request_keeps_one_stored_reference(user, settings, tiny_folders):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    key = str(uuid.uuid4())
    first, created = _create(user, key=key, reference_upload=landscape())
    again, created_again = _create(user, key=key, reference_upload=landscape())
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert default_storage.listdir("references")[1] == [
        first.provenance["reference_image"].split("/")[-1]
    ]


def test_the_same_key_with_another_picture_is_a_conflict(user, settings, tiny_folders):
    from generation.exceptions import IdempotencyKeyReused

    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    key = str(uuid.uuid4())
    _create(user, key=key, reference_upload=landscape(), request_hash="h")
    with pytest.raises(IdempotencyKeyReused):
        _create(user, key=key, reference_upload=landscape(320, 180), request_hash="h")
    assert len(default_storage.listdir("references")[1]) == 1
