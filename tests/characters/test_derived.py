"""Jobs made from a clip that shows a character (an edit) ask consent for that character
again, by its own handle: the character, not its owner's person cameo."""

import pytest

from generation.models import GenerationJob, JobCameo
from tests.generation.conftest import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _edit(client, url, subject):
    body = {"shots": [{"index": 1, "subject": subject}]}
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=new_key())


def test_an_edit_of_a_clip_showing_a_character_rechecks_the_character(
    user, other_user, auth_client, make_character, django_capture_on_commit_callbacks
):
    from accounts.services.characters import update_character

    biscuit = make_character(other_user, "biscuit", permission="everyone")
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/api/v1/generations",
            {"prompt": "Shot 1: @biscuit on a beach. Shot 2: a kite.", "seconds": 4},
            format="json",
            HTTP_IDEMPOTENCY_KEY=new_key(),
        )
    assert made.status_code == 202, made.json()
    source = GenerationJob.objects.get(pk=made.json()["id"])
    assert source.status == "succeeded", (source.error_code, source.error_message)

    edit_url = f"/api/v1/generations/{source.pk}/edit"
    edited = _edit(client, edit_url, "a blue kite")
    assert edited.status_code == 202, edited.json()
    uses = JobCameo.objects.filter(job_id=edited.json()["id"]).values_list("cameo_id", flat=True)
    assert list(uses) == [biscuit.pk]

    update_character(other_user, "biscuit", permission="only_me")
    refused = _edit(client, edit_url, "a red kite")
    assert refused.status_code == 403, refused.json()
