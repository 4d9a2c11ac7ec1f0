"""manage.py backfill_renditions: old videos get the 480p rendition and HLS, once, from their
stored (already watermarked) clip; taken-down videos get nothing."""

import io
import posixpath

import m3u8
import pytest
from django.core.management import call_command

from config import storage
from feed.services import delete_video
from generation.models import GenerationJob, Rendition
from media.probe import probe_video
from tests.factories import JobFactory, publish
from tests.media.streaming import assert_streams, body_of

pytestmark = pytest.mark.django_db


def _old_job(user, processed):
    """A published video from before renditions: its clip stored, no rows, no HLS."""
    job = JobFactory(user=user, renditions=False, stored=processed.video_path.read_bytes())
    assert job.hls_file == "" and not job.renditions.exists()
    return job


def _run(*args) -> str:
    out = io.StringIO()
    call_command("backfill_renditions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_backfill_adds_the_rendition_and_hls_once(
    client,
    auth_client,
    user,
    other_user,
    processed,
    tmp_path,
):
    job = _old_job(other_user, processed)
    video = publish(job)
    before = storage.list_files(posixpath.dirname(job.video_file))
    assert "renditions backfilled: 1, skipped: 0, failed: 0" in _run()
    job.refresh_from_db()
    rows = list(job.renditions.order_by("-height"))
    assert [(r.width, r.height) for r in rows] == [(720, 1280), (480, 854)]
    assert rows[0].video_file == job.video_file  # the original is not re-encoded
    assert job.hls_file.endswith("/hls/master.m3u8")

    body = auth_client(user).get(f"/api/v1/videos/{video.id}").json()
    small = tmp_path / "small.mp4"
    small.write_bytes(assert_streams(client, body["renditions"][1]["url"]))
    assert probe_video(small, require_audio=True).width == 480
    master = m3u8.loads(body_of(client.get(body["hls_url"])).decode())
    assert [v.stream_info.resolution for v in master.playlists] == [(720, 1280), (480, 854)]

    # Idempotent: a second run finds nothing to do and stores nothing more.
    files = storage.list_files(posixpath.dirname(job.video_file))
    assert "renditions backfilled: 0" in _run() and "skipped: 1" in _run("--job", str(job.pk))
    assert storage.list_files(posixpath.dirname(job.video_file)) == files
    assert Rendition.objects.filter(job=job).count() == 2
    assert set(before) < set(files)


def test_backfill_skips_taken_down_videos(other_user, processed):
    job = _old_job(other_user, processed)
    video = publish(job)
    delete_video(other_user, video.pk)
    files = storage.list_files(posixpath.dirname(job.video_file))
    assert "renditions backfilled: 0" in _run("--job", str(job.pk))
    assert not Rendition.objects.filter(job=job).exists()
    assert storage.list_files(posixpath.dirname(job.video_file)) == files
    assert GenerationJob.objects.get(pk=job.pk).hls_file == ""


def test_backfill_reports_a_broken_clip_and_goes_on(other_user, user, processed):
    broken = JobFactory(user=user, renditions=False, stored=b"not an mp4 at all")
    good = _old_job(other_user, processed)
    err = io.StringIO()
    out = io.StringIO()
    call_command("backfill_renditions", stdout=out, stderr=err)
    assert "renditions backfilled: 1, skipped: 0, failed: 1" in out.getvalue()
    assert str(broken.pk) in err.getvalue()
    assert Rendition.objects.filter(job=good).count() == 2
    assert not Rendition.objects.filter(job=broken).exists()
