"""The worker side: a job runs queued → … → succeeded with a real MP4 stored once; crashes,
kills, stale heartbeats, cancellations and provider failures end where they should, and the
quota is charged once and refunded at most once."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from config.storage import read_file
from generation.models import GenerationJob, QuotaEntry
from generation.providers.local import LocalProvider
from generation.services import create_job
from generation.signals import job_succeeded
from generation.tasks import run_generation_job, sweep_stale_jobs
from tests.generation.conftest import new_key

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PROMPT = "Shot 1: a red kite rises over a beach. Shot 2: close-up of the kite string."


def _create(user, prompt=PROMPT, **kwargs):
    kwargs.setdefault("seconds", 4)
    kwargs.setdefault("seed", 11)
    job, created = create_job(user, prompt=prompt, idempotency_key=new_key(), **kwargs)
    assert created
    return job


def _ledger(job):
    return sorted(QuotaEntry.objects.filter(job=job).values_list("kind", flat=True))


def _stored_names(job):
    """Every file stored for the job, relative to its `clips/<id>/` folder."""
    from django.core.files.storage import default_storage

    def walk(folder):
        dirs, files = default_storage.listdir(folder)
        yield from (f"{folder}/{name}" for name in files)
        for name in dirs:
            yield from walk(f"{folder}/{name}")

    root = f"clips/{job.pk}"
    return sorted(path.removeprefix(root + "/") for path in walk(root))


def _stored_only_attempt(job) -> int | None:
    """The attempt whose folder holds the job's files, when exactly one does (and holds the
    whole set: clip, stills, the smaller rendition, the HLS master)."""
    names = _stored_names(job)
    attempts = {name.split("/", 1)[0] for name in names}
    if len(attempts) != 1:
        return None
    attempt = attempts.pop()
    whole = {f"{attempt}/{n}" for n in ("video.mp4", "thumbnail.jpg", "preview.jpg",
                                        "video_480p.mp4", "hls/master.m3u8")}  # fmt: skip
    return int(attempt) if whole <= set(names) else None


def _assert_playable_with_sound(data: bytes, tmp_path):
    from media.probe import probe_video

    path = tmp_path / "check.mp4"
    path.write_bytes(data)
    probe = probe_video(path, require_audio=True)
    assert probe.has_audio
    assert probe.video_codec == "h264"
    return probe


def test_job_runs_end_to_end_with_local_provider(
    alice_client, user, post_generation, django_capture_on_commit_callbacks, tmp_path
):
    received = []

    def on_success(sender, job, **kwargs):
        received.append(job.pk)

    job_succeeded.connect(on_success)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = post_generation(alice_client, {"prompt": PROMPT, "seconds": 4, "seed": 3})
    finally:
        job_succeeded.disconnect(on_success)
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.progress == 100
    assert job.attempts == 1
    assert job.started_at and job.finished_at
    assert len(job.storyboard) == 2
    assert job.video_file == f"clips/{job.pk}/1/video.mp4"
    names = _stored_names(job)
    segments = [n for n in names if n.endswith(".m4s")]
    assert sorted(set(names) - set(segments)) == [
        "1/hls/480p/index.m3u8",
        "1/hls/480p/init.mp4",
        "1/hls/720p/index.m3u8",
        "1/hls/720p/init.mp4",
        "1/hls/master.m3u8",
        "1/preview.jpg",
        "1/thumbnail.jpg",
        "1/video.mp4",
        "1/video_480p.mp4",
    ]
    assert segments and all(n.startswith(("1/hls/480p/seg_", "1/hls/720p/seg_")) for n in segments)
    assert job.hls_file == f"clips/{job.pk}/1/hls/master.m3u8"
    renditions = list(job.renditions.values_list("width", "height", "video_file"))
    assert renditions == [
        (720, 1280, job.video_file),
        (480, 854, f"clips/{job.pk}/1/video_480p.mp4"),
    ]
    assert _assert_playable_with_sound(read_file(renditions[1][2]), tmp_path).width == 480
    data = read_file(job.video_file)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    probe = _assert_playable_with_sound(data, tmp_path)
    assert (probe.width, probe.height) == (720, 1280)
    assert 3.5 <= probe.duration <= 4.6
    assert read_file(job.thumbnail_file)[:2] == b"\xff\xd8"  # JPEG
    assert job.provenance["user"] == "alice"
    assert job.provenance["provider"] == "local"
    assert job.provenance["prompt"] == PROMPT
    assert job.provenance["sha256"] == job.sha256
    assert job.probe["has_audio"] is True
    assert received == [job.pk]
    assert _ledger(job) == ["charge"]

    body = alice_client.get(f"/api/v1/generations/{job.pk}").json()
    assert body["status"] == "succeeded"
    assert body["video_url"] and body["thumbnail_url"]
    assert alice_client.get(body["video_url"]).status_code == 200


def test_crash_in_render_is_retried_and_stored_once_charged_once(
    user, monkeypatch, django_capture_on_commit_callbacks
):
    real_submit = LocalProvider.submit
    calls = []

    def flaky_submit(self, spec):
        calls.append(spec.job_id)
        if len(calls) == 1:
            raise RuntimeError("encoder crashed")
        return real_submit(self, spec)

    monkeypatch.setattr(LocalProvider, "submit", flaky_submit)
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.attempts == 2
    assert len(calls) == 2
    assert _stored_only_attempt(job) == 2
    assert _ledger(job) == ["charge"]


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: nothing in the task may catch it."""


def test_killed_worker_leaves_a_job_the_sweep_finishes(
    user, monkeypatch, django_capture_on_commit_callbacks, settings
):
    real_submit = LocalProvider.submit
    calls = []

    def killed_once(self, spec):
        calls.append(1)
        if len(calls) == 1:
            spec.progress(0.5)
            raise WorkerKilled()
        return real_submit(self, spec)

    monkeypatch.setattr(LocalProvider, "submit", killed_once)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        _create(user)
    job = GenerationJob.objects.get(user=user)
    assert job.status == "rendering"
    assert job.progress > 10

    # A redelivered message while the first worker may still be alive does nothing…
    assert run_generation_job.delay(str(job.pk)).get() == "skipped"
    # …and a fresh heartbeat is left alone by the sweep.
    with django_capture_on_commit_callbacks(execute=True):
        sweep_stale_jobs.delay()
    assert GenerationJob.objects.get(pk=job.pk).status == "rendering"

    old = timezone.now() - timedelta(seconds=settings.GENERATION_STALE_AFTER_SECONDS + 5)
    GenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        counts = sweep_stale_jobs.delay().get()
    assert counts["retried"] == 1
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.attempts == 2
    assert _stored_only_attempt(job) == 2
    assert _ledger(job) == ["charge"]


def test_a_superseded_attempt_that_wakes_up_cannot_touch_the_new_attempts_files(
    user, monkeypatch, django_capture_on_commit_callbacks, settings, tmp_path
):
    """A worker paused (not dead) past the stale threshold uploads late: it may only write to
    its own attempt folder, and its fenced final write removes what it stored."""
    from generation.services import pipeline

    real_submit = LocalProvider.submit
    calls = []

    def paused_once(self, spec):
        calls.append(1)
        if len(calls) == 1:
            raise WorkerKilled()  # attempt 1 stops answering
        return real_submit(self, spec)

    monkeypatch.setattr(LocalProvider, "submit", paused_once)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        _create(user)
    job = GenerationJob.objects.get(user=user)
    old = timezone.now() - timedelta(seconds=settings.GENERATION_STALE_AFTER_SECONDS + 5)
    GenerationJob.objects.filter(pk=job.pk).update(heartbeat_at=old)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_stale_jobs.delay()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("succeeded", 2)
    winner_bytes = read_file(job.video_file)

    # Attempt 1 wakes up mid post-processing, with a clip of its own. Its last heartbeat
    # landed just before the sweep handed the job on, so it gets as far as uploading; only
    # the final, fenced write tells it the job is no longer its own.
    late = GenerationJob.objects.get(pk=job.pk)
    late.attempts, late.status = 1, "post_processing"
    source = tmp_path / "late.mp4"
    source.write_bytes(winner_bytes)
    uploaded = []
    real_store = pipeline._store_clip
    monkeypatch.setattr(pipeline, "_touch", lambda job, progress: None)
    monkeypatch.setattr(
        pipeline,
        "_store_clip",
        lambda job, processed: uploaded.append(1) or real_store(job, processed),
    )
    with pytest.raises(pipeline.JobLost), django_capture_on_commit_callbacks(execute=True):
        pipeline._post_process(late, source, tmp_path)
    assert uploaded == [1]

    job.refresh_from_db()
    assert job.status == "succeeded"
    assert _stored_only_attempt(job) == 2
    assert read_file(job.video_file) == winner_bytes


def test_crashing_every_time_fails_after_max_attempts_refunded_once(
    user, monkeypatch, django_capture_on_commit_callbacks, settings
):
    settings.GENERATION_MAX_ATTEMPTS = 3

    def always_crash(self, spec):
        raise RuntimeError("segfault in the encoder")

    monkeypatch.setattr(LocalProvider, "submit", always_crash)
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.attempts == 3
    assert job.error_code == "internal_error"
    assert job.error_message == "Rendering failed unexpectedly."
    assert _ledger(job) == ["charge", "refund"]
    # Running it again (a redelivered message) changes nothing.
    assert run_generation_job.delay(str(job.pk)).get() == "skipped"
    assert _ledger(job) == ["charge", "refund"]


def test_sweep_enqueues_a_job_whose_enqueue_was_lost(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down
        job = _create(user)
    assert GenerationJob.objects.get(pk=job.pk).status == "queued"
    # Within the first minute the sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs.delay().get()["requeued"] == 0
    GenerationJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_stale_jobs.delay().get()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert _ledger(job) == ["charge"]


def test_sweep_fails_stale_job_out_of_attempts_and_refunds(user, make_job, settings):
    job = make_job(
        user,
        status="rendering",
        attempts=settings.GENERATION_MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=2),
    )
    QuotaEntry.objects.create(user=user, job=job, kind="charge", amount=1, day=timezone.now())
    assert sweep_stale_jobs.delay().get()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_code == "stale"
    assert job.error_message
    assert _ledger(job) == ["charge", "refund"]
    counts = sweep_stale_jobs.delay().get()
    assert (counts["requeued"], counts["retried"], counts["failed"]) == (0, 0, 0)
    assert _ledger(job) == ["charge", "refund"]


def test_cancel_during_render_stops_the_pipeline(
    alice_client, user, monkeypatch, django_capture_on_commit_callbacks
):
    real_submit = LocalProvider.submit

    def cancel_then_render(self, spec):
        response = alice_client.post(f"/api/v1/generations/{spec.job_id}/cancel")
        assert response.status_code == 200
        return real_submit(self, spec)

    monkeypatch.setattr(LocalProvider, "submit", cancel_then_render)
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not job.video_file
    assert _ledger(job) == ["charge", "refund"]
    from config.storage import file_exists

    assert not file_exists(f"clips/{job.pk}/1/video.mp4")


def test_output_block_ends_blocked_and_refunds(user, settings, django_capture_on_commit_callbacks):
    settings.GENERATION_OUTPUT_CHECKS = ["tests.generation.policy_checks.block_every_output"]
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "blocked"
    assert job.error_code == "unsafe_output"
    assert job.policy["output"]["decision"] == "block"
    assert not job.video_file
    assert _ledger(job) == ["charge", "refund"]


def test_held_output_succeeds_with_hold_recorded(
    user, settings, django_capture_on_commit_callbacks
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.hold_word_storm"]
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt="A storm rolls over the harbour")
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.policy["prompt"]["decision"] == "hold"
    assert job.policy["output"]["decision"] == "allow"


def test_user_storyboard_is_rendered_as_given(user, django_capture_on_commit_callbacks):
    shots = [
        {"seconds": 2, "camera": "pan_left", "subject": "a boat", "action": "drifts"},
        {"seconds": 2.5, "camera": "zoom_out", "subject": "the bay", "action": "glows"},
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(
            user, prompt="boats", seconds=5, storyboard=[*shots, {**shots[0], "seconds": 0.5}]
        )
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.user_storyboard
    assert [s["camera"] for s in job.storyboard] == ["pan_left", "zoom_out", "pan_left"]


def test_consent_revocation_cancels_queued_jobs_and_drafts(
    user, make_user, make_cameo, make_job, django_capture_on_commit_callbacks
):
    from accounts.services.cameos import revoke_cameo_consent
    from generation.models import JobCameo

    carol = make_user("carol")
    cameo = make_cameo(carol, permission="everyone")
    with django_capture_on_commit_callbacks(execute=False):
        queued = _create(user, prompt="A walk with @carol")
    assert JobCameo.objects.filter(job=queued, cameo=cameo).exists()
    draft = make_job(user, status="succeeded")
    JobCameo.objects.create(job=draft, cameo=cameo)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_cameo_consent(carol)
    queued.refresh_from_db()
    draft.refresh_from_db()
    assert queued.status == "cancelled"
    assert queued.error_code == "cameo_consent_revoked"
    assert _ledger(queued) == ["charge", "refund"]
    assert draft.status == "cancelled"
    assert draft.video_file == ""


# --- hosted providers through the whole pipeline ---------------------------------------------


@pytest.mark.parametrize("server_fixture", ["openai_server", "veo_server"])
def test_hosted_provider_job_succeeds(
    request, user, django_capture_on_commit_callbacks, tmp_path, server_fixture
):
    request.getfixturevalue(server_fixture)
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt="A paper boat on a river")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provider == server_fixture.split("_")[0]
    assert job.provider_job_id
    _assert_playable_with_sound(read_file(job.video_file), tmp_path)
    assert _ledger(job) == ["charge"]


@pytest.mark.parametrize("server_fixture", ["openai_server", "veo_server"])
@pytest.mark.parametrize(
    ("prompt", "code", "message_part"),
    [
        ("this will fail", "provider_failed", "upstream"),
        ("please refuse this", "provider_refused", "refused"),
        ("hang on", "provider_timeout", "did not answer in time"),
        ("run forever", "provider_timeout", "did not finish within"),
    ],
)
def test_hosted_provider_failures_end_failed_with_refund(
    request,
    settings,
    user,
    django_capture_on_commit_callbacks,
    server_fixture,
    prompt,
    code,
    message_part,
):
    request.getfixturevalue(server_fixture)
    settings.GENERATION_PROVIDER_TIMEOUT_SECONDS = 0.3
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt=prompt)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_code == code
    assert message_part in job.error_message
    assert _ledger(job) == ["charge", "refund"]


def test_unplayable_provider_output_fails_with_refund(
    settings, user, django_capture_on_commit_callbacks
):
    from tests.generation.fake_servers import FakeOpenAIVideos

    with FakeOpenAIVideos(b"<html>not a video</html>") as server:
        settings.GENERATION_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.url + "/v1"
        with django_capture_on_commit_callbacks(execute=True):
            job = _create(user, prompt="A paper boat")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error_code.startswith("invalid_output")
    assert _ledger(job) == ["charge", "refund"]


def test_clip_is_stored_on_s3(s3_storage, user, django_capture_on_commit_callbacks, tmp_path):
    import boto3

    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_storage,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="cutaway-test")["Contents"])
    folder = f"clips/{job.pk}/{job.attempts}"
    stored = {f"{folder}/{n}" for n in ("preview.jpg", "thumbnail.jpg", "video.mp4",
                                        "video_480p.mp4", "hls/master.m3u8")}  # fmt: skip
    assert stored <= set(keys) and all(key.startswith(folder + "/") for key in keys)
    # Every HLS file a rendition row names is in the bucket under exactly that key.
    for rendition in job.renditions.all():
        assert set(rendition.hls_files) <= set(keys)
        assert rendition.video_file in keys
    body = s3.get_object(Bucket="cutaway-test", Key=job.video_file)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == job.sha256
    _assert_playable_with_sound(body, tmp_path)

    from config.storage import file_url

    url = file_url(job.video_file)
    assert url.startswith(s3_storage) and "X-Amz-Signature" in url


def test_hosted_provider_gets_cameo_instructions_in_the_prompt(
    openai_server, user, make_user, make_cameo, django_capture_on_commit_callbacks
):
    from tests.generation.fake_servers import parse_multipart

    carol = make_user("carol")
    make_cameo(carol, permission="everyone", instructions="Never show me eating.")
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt="A picnic with @carol")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    create = openai_server.requests[0]
    prompt = parse_multipart(create["headers"]["content-type"], create["body"])["prompt"]
    assert prompt.startswith("A picnic with @carol")
    assert "@carol: Never show me eating." in prompt


def test_the_sweep_removes_renders_abandoned_by_killed_workers(settings):
    """A SIGKILLed render leaves its half-written file behind; once nobody has written to it
    for the stale threshold, the sweep deletes it. Live and finished renders stay."""
    import os
    import time

    from generation.providers.local import _render_dir
    from generation.services.pipeline import sweep_stale_jobs as sweep

    folder = _render_dir()
    abandoned = folder / "local-abandoned.123.partial.mp4"
    abandoned_inner = folder / ".local-abandoned.123.partial.mp4.partial"
    live = folder / "local-live.456.partial.mp4"
    finished = folder / "local-finished.mp4"
    for path in (abandoned, abandoned_inner, live, finished):
        path.write_bytes(b"frames")
    idle = time.time() - settings.GENERATION_STALE_AFTER_SECONDS - 5
    for path in (abandoned, abandoned_inner, finished):
        os.utime(path, (idle, idle))

    assert sweep()["partials_removed"] >= 2
    assert not abandoned.exists()
    assert not abandoned_inner.exists()
    assert live.exists()
    assert finished.exists()
    live.unlink()
    finished.unlink()


def test_a_local_job_is_encoded_once_from_its_frames(
    user, django_capture_on_commit_callbacks, tmp_path
):
    """The local renderer hands its frames to post-processing in memory: no render file is
    written, and the clip carries no source hash (there was no source file to hash), while
    it is watermarked, tagged and stored like any other."""
    from generation.postprocess import read_provenance
    from generation.providers.local import _render_dir

    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provider_job_id == f"local-{job.pk}"
    assert job.provenance["source_sha256"] == ""
    assert not [p for p in _render_dir().iterdir() if str(job.pk) in p.name]
    path = tmp_path / "video.mp4"
    path.write_bytes(read_file(job.video_file))
    embedded = read_provenance(path)
    assert embedded["job_id"] == str(job.pk) and embedded["user"] == user.handle
    assert "source_sha256" not in embedded
    assert job.renditions.count() == 2


def test_a_hosted_provider_clip_still_goes_through_the_decode_path(
    openai_server, user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, prompt="A paper boat on a river")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert len(job.provenance["source_sha256"]) == 64
    assert job.renditions.count() == 2


def test_a_retried_local_job_removes_an_earlier_attempts_render_file(
    user, make_job, django_capture_on_commit_callbacks
):
    """A job whose earlier attempt rendered to a file (before this path existed) renders
    again in memory; the old file is not left behind in the render folder."""
    from generation.providers.local import _render_dir
    from generation.services.pipeline import run_job

    with django_capture_on_commit_callbacks(execute=False):
        job = _create(user)
    old = _render_dir() / f"local-{job.pk}.mp4"
    old.write_bytes(b"an earlier attempt's render")
    GenerationJob.objects.filter(pk=job.pk).update(provider_job_id=f"local-{job.pk}")
    with django_capture_on_commit_callbacks(execute=True):
        assert run_job(job.pk) == "succeeded"
    assert not old.exists()
