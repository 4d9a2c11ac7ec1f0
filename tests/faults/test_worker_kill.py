"""A real Celery worker runs jobs end to end, and a worker killed with SIGKILL mid-render
loses nothing: the job finishes after recovery, stored once, charged once.

Recovery path (what these tests pin down): the killed attempt leaves the job in `rendering`
with a heartbeat that stops. The message redelivered by `reject_on_worker_lost` (pool child
killed) finds the job running and does not start a second copy, because a claim cannot tell a
dead owner from a live one; the stale-job sweep (beat, every minute) then requeues the job once
its heartbeat is older than GENERATION_STALE_AFTER_SECONDS, lowered here to a few seconds.
"""

import uuid
from pathlib import Path

import pytest
from django.conf import settings

from generation.models import GenerationJob, QuotaEntry
from generation.tasks import sweep_stale_jobs
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STALE_SECONDS = 4
PROMPT = (
    "Shot 1: a lighthouse at dusk, waves below. Shot 2: the keeper climbs the stairs. "
    "Shot 3: the lamp turns on over the sea."
)


def _create(client, seconds: int) -> GenerationJob:
    response = client.post(
        "/api/v1/generations",
        {"prompt": PROMPT, "seconds": seconds, "size": "720x1280", "seed": 7},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 202, response.content
    return GenerationJob.objects.get(pk=response.json()["id"])


def _status(job) -> str:
    return GenerationJob.objects.filter(pk=job.pk).values_list("status", flat=True).get()


def _wait_final(job, timeout: float, worker) -> GenerationJob:
    def final():
        job.refresh_from_db()
        return job.is_finished

    try:
        wait_for(final, timeout=timeout, interval=0.5, what=f"job {job.pk} to finish")
    except pytest.fail.Exception:
        print(worker.log()[-4000:])
        raise
    return job


def _stored_files() -> list[str]:
    """Every file under the media folder the worker writes to, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _assert_stored_once(job):
    """Exactly the files the job's rows name (clip, stills, renditions, HLS) are stored, all
    in the last attempt's folder: nothing of a killed attempt is left behind."""
    from generation.services.publishing import job_storage_names

    job.refresh_from_db()
    names = job_storage_names([job.pk])
    folder = f"clips/{job.pk}/{job.attempts}/"
    whole = ("preview.jpg", "thumbnail.jpg", "video.mp4", "video_480p.mp4", "hls/master.m3u8")
    assert {folder + name for name in whole} <= set(names)
    assert all(name.startswith(folder) for name in names)
    assert _stored_files() == sorted(names)
    ledger = list(QuotaEntry.objects.filter(user=job.user).values_list("kind", "amount"))
    assert ledger == [("charge", 1)]


def _assert_mp4_with_sound(job, seconds: int):
    from media.probe import probe_video

    probe = probe_video(Path(settings.MEDIA_ROOT) / job.video_file, require_audio=True)
    assert probe.video_codec == "h264"
    assert probe.has_audio
    assert abs(probe.duration - seconds) < 0.5


def _sweep_until_requeued(job, worker, timeout: float = 40):
    """Play beat: send the sweep task to the worker until it has requeued the dead attempt."""

    def retried():
        job.refresh_from_db()
        if job.attempts >= 2:
            return True
        sweep_stale_jobs.delay()
        return False

    try:
        wait_for(retried, timeout=timeout, interval=STALE_SECONDS / 2, what="the sweep to retry")
    except pytest.fail.Exception:
        print(worker.log()[-4000:])
        raise


def test_real_worker_renders_job_to_succeeded(start_worker, user, auth_client):
    worker = start_worker()
    job = _create(auth_client(user), seconds=4)
    job = _wait_final(job, timeout=50, worker=worker)
    assert job.status == GenerationJob.Status.SUCCEEDED, (job.error_code, job.error_message)
    assert job.attempts == 1
    assert job.progress == 100
    _assert_stored_once(job)
    _assert_mp4_with_sound(job, 4)


def _wait_rendering(job, worker):
    def rendering():
        job.refresh_from_db()
        return job.status == GenerationJob.Status.RENDERING and job.progress > 10

    try:
        wait_for(rendering, timeout=40, interval=0.1, what="the job to be rendering")
    except pytest.fail.Exception:
        print(worker.log()[-4000:])
        raise


def test_pool_child_killed_mid_render_job_finishes_once(start_worker, user, auth_client):
    worker = start_worker(GENERATION_STALE_AFTER_SECONDS=STALE_SECONDS)
    job = _create(auth_client(user), seconds=16)
    _wait_rendering(job, worker)
    killed = worker.kill_pool_child()

    # The parent notices, requeues the message (reject_on_worker_lost) and forks a new child.
    wait_for(
        lambda: "WorkerLostError" in worker.log() or "Worker exited" in worker.log(),
        timeout=20,
        what="the parent to notice the lost child",
    )
    assert killed not in wait_for(worker.pool_children, timeout=20, what="a new pool child")
    # The redelivered message finds the job running and leaves it alone (no second render).
    wait_for(lambda: "'skipped'" in worker.log(), timeout=20, what="the redelivery to skip")
    assert _status(job) == GenerationJob.Status.RENDERING
    _sweep_until_requeued(job, worker)
    job = _wait_final(job, timeout=60, worker=worker)

    assert job.status == GenerationJob.Status.SUCCEEDED, (job.error_code, job.error_message)
    assert job.attempts == 2
    _assert_stored_once(job)
    _assert_mp4_with_sound(job, 16)


def test_whole_worker_killed_mid_render_fresh_worker_finishes_once(start_worker, user, auth_client):
    first = start_worker()
    job = _create(auth_client(user), seconds=16)
    _wait_rendering(job, first)
    first.kill()
    assert _status(job) == GenerationJob.Status.RENDERING  # nobody left to move it on

    fresh = start_worker(GENERATION_STALE_AFTER_SECONDS=STALE_SECONDS)
    _sweep_until_requeued(job, fresh)
    job = _wait_final(job, timeout=60, worker=fresh)

    assert job.status == GenerationJob.Status.SUCCEEDED, (job.error_code, job.error_message)
    assert job.attempts == 2
    _assert_stored_once(job)
    _assert_mp4_with_sound(job, 16)


def test_an_attempt_the_sweep_replaced_cannot_write_into_the_new_one(user):
    """The fence behind the recovery above: a worker the sweep gave up on (paused, not dead)
    may wake up while the replacement attempt is in the very same status."""
    from generation.services import pipeline

    job = GenerationJob.objects.create(
        user=user, prompt="a slow snail", seconds=4, idempotency_key=str(uuid.uuid4())
    )
    Status = GenerationJob.Status
    first = pipeline.claim_job(job.pk)
    pipeline._advance(first, Status.PLANNING, Status.RENDERING)
    # The sweep requeues it (heartbeat stale) and another worker claims it.
    GenerationJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    second = pipeline.claim_job(job.pk)
    pipeline._advance(second, Status.PLANNING, Status.RENDERING)

    with pytest.raises(pipeline.JobLost):
        pipeline._touch(first, 50)
    with pytest.raises(pipeline.JobLost):
        pipeline._advance(first, Status.RENDERING, Status.POST_PROCESSING)
    pipeline._touch(second, 50)  # the live attempt carries on
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress) == (Status.RENDERING, 2, 50)
