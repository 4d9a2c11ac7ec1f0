"""`make run` loads this world; it must show the cameo flow with real rendered clips.

seed_demo runs outside any request transaction, so these tests commit (on_commit enqueues run).
"""

import io

import pytest
from django.core.management import call_command

from accounts.ledger import verify_ledger
from accounts.models import Cameo, User
from feed.models import Video
from generation.models import JobCameo
from media.probe import probe_video
from moderation.models import ReviewItem


@pytest.mark.django_db(transaction=True)
def test_seed_demo_builds_a_world_with_a_consented_cameo_and_rendered_videos():
    call_command("seed_demo", stdout=io.StringIO())

    ava = User.objects.get(handle="ava")
    ben = User.objects.get(handle="ben")
    cameo = Cameo.objects.get(owner=ava)
    assert cameo.status == Cameo.Status.ACTIVE
    assert cameo.permission == Cameo.Permission.APPROVED
    assert cameo.grants.filter(grantee=ben).exists()

    videos = Video.objects.filter(status=Video.Status.PUBLISHED)
    assert videos.count() == 3
    bens = videos.get(author=ben)
    assert JobCameo.objects.filter(job=bens.job, cameo=cameo).exists()
    assert bens.like_count == 2

    from django.core.files.storage import default_storage

    probe = probe_video(default_storage.path(bens.job.video_file), require_audio=True)
    assert probe.has_audio and probe.video_codec == "h264"
    assert verify_ledger(ava) is True
    assert User.objects.get(handle="mod").groups.filter(name="moderators").exists()
    assert ReviewItem.objects.filter(target_type="video", target_id=str(bens.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_seed_demo_twice_does_not_duplicate():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert User.objects.filter(handle="ava").count() == 1
    assert Video.objects.count() == 3
