"""Moderation queues a held video when feed announces `video_held`, after the commit."""

import pytest
from django.db import transaction

from feed.models import Video
from feed.services import publish_video
from moderation.models import ReviewItem
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

HOLD = {"prompt": {"decision": "hold", "code": "violence"}}


def _items(video_id) -> list[ReviewItem]:
    return list(ReviewItem.objects.filter(target_type="video", target_id=str(video_id)))


def test_a_held_publish_is_queued_once_it_commits(django_capture_on_commit_callbacks):
    job = JobFactory(policy=HOLD)
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, transaction.atomic():
        video = publish_video(job.user, job)
        assert video.status == Video.Status.HELD
        assert _items(video.pk) == []  # nothing is announced inside the transaction
    [item] = _items(video.pk)
    assert item.held and item.status == ReviewItem.Status.OPEN
    assert item.reasons.get("policy:violence") == 1


def test_a_rolled_back_held_publish_queues_nothing(django_capture_on_commit_callbacks):
    job = JobFactory(policy=HOLD)
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        video = publish_video(job.user, job)
        raise RuntimeError("rolled back")
    assert callbacks == []
    assert _items(video.pk) == []
    assert not Video.objects.filter(pk=video.pk).exists()
