"""Using someone's cameo is an outbox fact for the cameo's owner (`cameo.used`), written in
the job-creating transaction and again when the video is published."""

import uuid

import pytest
from django.utils import timezone

from events.models import Event
from feed.services import publish_video
from generation.models import GenerationJob

pytestmark = pytest.mark.django_db


def test_a_cameo_use_records_cameo_used_for_the_owner(
    make_cameo, user, other_user, auth_client, django_capture_on_commit_callbacks
):
    cameo = make_cameo(user, permission="everyone")
    with django_capture_on_commit_callbacks(execute=False):  # not rendered here
        response = auth_client(other_user).post(
            "/api/v1/generations",
            {"prompt": f"@{user.handle} waves at the sea", "cameos": [user.handle]},
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert response.status_code == 202, response.content
    [event] = Event.objects.filter(type="cameo.used")
    assert (event.user_id, event.actor_id) == (user.pk, other_user.pk)
    assert event.data == {
        "cameo": str(cameo.pk),
        "job": response.json()["id"],
        "stage": "generation",
    }

    job = GenerationJob.objects.get(pk=response.json()["id"])
    GenerationJob.objects.filter(pk=job.pk).update(  # as the pipeline's last step leaves it
        status="succeeded",
        video_file=f"clips/{job.pk}/1/video.mp4",
        thumbnail_file=f"clips/{job.pk}/1/thumbnail.jpg",
        probe={"duration": 4.0, "width": 720, "height": 1280},
        finished_at=timezone.now(),
    )
    video = publish_video(other_user, job.pk)
    published = Event.objects.filter(type="cameo.used", data__stage="published").get()
    assert published.data["video"] == str(video.pk) and published.user_id == user.pk


def test_a_refused_cameo_use_records_nothing(make_cameo, user, other_user, auth_client):
    make_cameo(user, permission="only_me")
    response = auth_client(other_user).post(
        "/api/v1/generations",
        {"prompt": f"@{user.handle} waves", "cameos": [user.handle]},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code in (400, 403)
    assert not Event.objects.filter(type="cameo.used").exists()
