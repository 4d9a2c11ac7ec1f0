"""Every refused cameo use is on the owner's ledger, whoever called the service: a Celery
task, a plain service call, the moderation console, not only a DRF request (issue 13,
"exceptions are plain data": the services enter recording_refusals(), the HTTP error
handler writes nothing)."""

import pytest
from celery import shared_task

from accounts.exceptions import CameoUseRefused
from accounts.ledger import verify_ledger
from accounts.models import Cameo, ConsentEvent, User
from accounts.services import cameos
from feed.models import Video
from feed.services import publish_video, update_video
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db


@shared_task
def publish_in_a_worker(user_id: int, job_id: str) -> str:
    """What a worker publishing a draft would run: the service, no DRF around it."""
    return str(publish_video(User.objects.get(pk=user_id), job_id).pk)


@pytest.fixture
def withdrawn(carol, user):
    """Carol approved the user, then withdrew the grant."""
    cameo = Cameo.objects.create(
        owner=carol, status="active", permission="approved", source_clip="cameos/carol.mp4"
    )
    cameos.grant_cameo(carol, user)
    cameos.revoke_cameo_grant(carol, user)
    return cameo


def _job_with(make_job, user, cameo) -> GenerationJob:
    job = make_job(user)
    JobCameo.objects.create(job=job, cameo=cameo)
    return job


def _refusals(cameo, context: str) -> int:
    return ConsentEvent.objects.filter(
        cameo=cameo, action="use_refused", data__context=context
    ).count()


def test_a_publish_refused_inside_a_celery_task_is_on_the_ledger(user, carol, withdrawn, make_job):
    job = _job_with(make_job, user, withdrawn)
    with pytest.raises(CameoUseRefused):
        publish_in_a_worker.apply(args=[user.pk, str(job.pk)], throw=True)
    assert _refusals(withdrawn, "publish") == 1
    assert not Video.objects.filter(job=job).exists()
    assert verify_ledger(carol)


def test_a_widening_refused_outside_a_request_is_on_the_ledger(
    user, carol, granted_then_private, make_job
):
    video, cameo = granted_then_private
    with pytest.raises(CameoUseRefused):
        update_video(user, video.pk, visibility="public")
    assert _refusals(cameo, "visibility") == 1
    assert Video.objects.get(pk=video.pk).visibility == "private"
    assert verify_ledger(carol)


@pytest.fixture
def granted_then_private(user, carol, make_job):
    """A private video of the user showing Carol's cameo, published while approved."""
    cameo = Cameo.objects.create(
        owner=carol, status="active", permission="approved", source_clip="cameos/carol.mp4"
    )
    cameos.grant_cameo(carol, user)
    video = publish_video(user, _job_with(make_job, user, cameo), visibility="private")
    cameos.revoke_cameo_grant(carol, user)
    return video, cameo


def test_a_restore_refused_in_the_moderation_console_is_on_the_ledger(
    client, user, carol, granted_then_private, make_user
):
    from django.contrib.auth.models import Permission

    from feed.services import hide_video
    from moderation.models import ReviewItem

    video, cameo = granted_then_private
    hide_video(video, status=Video.Status.HELD, reason="review")
    moderator = make_user("console", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="act_on_reviewitem"))
    item = ReviewItem.objects.create(target_type="video", target_id=video.pk, held=True)
    client.force_login(moderator)
    client.post(
        f"/admin/moderation/reviewitem/{item.pk}/act/", {"action": "restore", "reason": "fine"}
    )
    assert Video.objects.get(pk=video.pk).status == "held"
    assert _refusals(cameo, "restore") == 1
    assert verify_ledger(carol)
