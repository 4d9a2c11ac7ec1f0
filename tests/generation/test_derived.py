"""Extend and stitch (issue 17): one clip made from the caller's succeeded clips, rendered on
the local provider for real and read back frame by frame and sample by sample; every refusal
(another user's job, a job not succeeded, too long, mixed aspects, consent withdrawn) writes
and charges nothing."""

import numpy as np
import pytest

from billing.models import CreditEntry
from config.storage import read_file
from generation.models import GenerationJob, JobCameo, QuotaEntry
from generation.postprocess import read_provenance
from tests.generation.conftest import new_key

pytestmark = [pytest.mark.django_db]

FPS, RATE = 24, 48_000
SOURCE = "Shot 1: a paper boat drifts on a quiet pond at night. Shot 2: the boat turns slowly."
MORE = "Shot 1: the boat reaches a small wooden dock. Shot 2: a lantern glows on the dock."


def _post(client, url, body, key=None):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key or new_key())


def _run(client, body, capture, url="/api/v1/generations"):
    """POST and run the job inline; the finished job."""
    with capture(execute=True):
        response = _post(client, url, body)
    assert response.status_code == 202, response.json()
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", (job.error_code, job.error_message)
    return job


def _decoded(job, tmp_path):
    """(luma frames (n, h, w) float32, stereo samples (2, m)) of the job's stored clip."""
    import av

    path = tmp_path / f"{job.pk}.mp4"
    path.write_bytes(read_file(job.video_file))
    with av.open(str(path)) as container:
        frames = [
            f.to_ndarray(format="gray").astype(np.float32)
            for f in container.decode(container.streams.video[0])
        ]
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(container.streams.audio[0])]
    return np.stack(frames), np.concatenate(chunks, axis=1)


def _diff(a, b) -> float:
    return float(np.mean(np.abs(a - b)))


def _assert_no_click_at(samples, join: int):
    """Around `join` the sound neither jumps (a click: a step far above the sample-to-sample
    change of the 100 ms on either side) nor drops out (a gap)."""
    mono = samples.mean(axis=0)
    steps = np.abs(np.diff(mono))
    around = np.concatenate([steps[join - 4800 : join - 240], steps[join + 240 : join + 4800]])
    usual = np.percentile(around, 99)
    near = steps[join - 240 : join + 240]
    assert near.max() <= 2 * usual, (near.max(), usual)
    window = mono[join - 480 : join + 480]
    rms = np.sqrt(np.mean(window**2))
    assert rms > 0.2 * np.sqrt(np.mean(mono**2)), "a gap in the sound at the join"


@pytest.fixture
def source(alice_client, django_capture_on_commit_callbacks):
    return _run(
        alice_client,
        {"prompt": SOURCE, "seconds": 4, "seed": 5},
        django_capture_on_commit_callbacks,
    )


@pytest.mark.slow
def test_extend_is_one_clip_continuing_the_last_frame_with_continuous_sound(
    alice_client, user, source, django_capture_on_commit_callbacks, tmp_path
):
    job = _run(
        alice_client,
        {"prompt": MORE, "seconds": 4, "extend": str(source.pk), "seed": 9},
        django_capture_on_commit_callbacks,
    )
    assert job.kind == "extend"
    assert job.seconds == 8  # the whole clip, as OpenAI's `seconds` for an extension
    assert 7.9 <= job.probe["duration"] <= 8.1
    assert job.provenance["parents"] == [{"job_id": str(source.pk), "relation": "extension"}]
    assert read_provenance_of(job, tmp_path)["parents"] == job.provenance["parents"]

    frames, samples = _decoded(job, tmp_path)
    original, _ = _decoded(source, tmp_path)
    n = len(original)
    assert len(frames) == n + 4 * FPS
    # The original part is the source clip (re-encoded once more).
    assert _diff(frames[n // 2], original[n // 2]) < 3
    # The extension opens on the source's last frame...
    at_join = _diff(frames[n - 1], frames[n])
    assert at_join < 6, at_join
    # ...which a different scene would not: the source's own cut between its two shots.
    cut = next(i for i in range(1, n) if _diff(original[i - 1], original[i]) > 15)
    assert _diff(original[cut - 1], original[cut]) > 4 * at_join
    _assert_no_click_at(samples, n * RATE // FPS)

    body = alice_client.get(f"/api/v1/generations/{job.pk}").json()
    assert body["kind"] == "extend"
    assert body["parents"] == [{"job_id": str(source.pk), "relation": "extension"}]
    assert body["video_url"]


def read_provenance_of(job, tmp_path):
    path = tmp_path / f"prov-{job.pk}.mp4"
    path.write_bytes(read_file(job.video_file))
    return read_provenance(path)


@pytest.mark.slow
def test_stitch_cuts_between_the_parts_with_sound_joined_and_lists_them(
    alice_client, user, source, django_capture_on_commit_callbacks, tmp_path
):
    second = _run(
        alice_client, {"prompt": MORE, "seconds": 4, "seed": 6}, django_capture_on_commit_callbacks
    )
    charged = QuotaEntry.objects.filter(user=user).count()
    stitch = _run(
        alice_client,
        {"parts": [str(second.pk), str(source.pk)]},
        django_capture_on_commit_callbacks,
        url="/api/v1/generations/stitch",
    )
    assert stitch.kind == "stitch"
    parents = [
        {"job_id": str(second.pk), "relation": "stitch_part"},
        {"job_id": str(source.pk), "relation": "stitch_part"},
    ]
    assert stitch.provenance["parents"] == parents
    assert read_provenance_of(stitch, tmp_path)["parents"] == parents
    assert QuotaEntry.objects.filter(user=user).count() == charged  # a join is not charged
    assert stitch.renditions.count() == 2 and stitch.hls_file  # post-processed like any clip

    frames, samples = _decoded(stitch, tmp_path)
    first, _ = _decoded(second, tmp_path)
    last, _ = _decoded(source, tmp_path)
    assert len(frames) == len(first) + len(last)
    n = len(first)
    assert _diff(frames[10], first[10]) < 3
    assert _diff(frames[n + 10], last[10]) < 3
    assert _diff(frames[n - 1], first[-1]) < 3 and _diff(frames[n], last[0]) < 3  # a cut
    _assert_no_click_at(samples, n * RATE // FPS)


@pytest.mark.slow
def test_stitch_with_crossfade_overlaps_the_parts(
    alice_client, source, django_capture_on_commit_callbacks, tmp_path
):
    second = _run(
        alice_client, {"prompt": MORE, "seconds": 4, "seed": 6}, django_capture_on_commit_callbacks
    )
    stitch = _run(
        alice_client,
        {"parts": [str(source.pk), str(second.pk)], "crossfade": 0.5},
        django_capture_on_commit_callbacks,
        url="/api/v1/generations/stitch",
    )
    frames, samples = _decoded(stitch, tmp_path)
    first, _ = _decoded(source, tmp_path)
    last, _ = _decoded(second, tmp_path)
    overlap = FPS // 2
    assert len(frames) == len(first) + len(last) - overlap
    assert 7.4 <= stitch.probe["duration"] <= 7.6
    middle = len(first) - overlap + overlap // 2  # halfway through the crossfade
    a, b = first[len(first) - overlap + overlap // 2], last[overlap // 2]
    assert _diff(frames[middle], (a + b) / 2) < _diff(a, b) / 3
    _assert_no_click_at(samples, (len(first) - overlap // 2) * RATE // FPS)


# --- refusals: nothing written, nothing charged ---------------------------------------------


def _nothing_new(user, jobs_before: int):
    assert GenerationJob.objects.filter(user=user).count() == jobs_before
    assert not QuotaEntry.objects.filter(user=user).exists()
    assert not CreditEntry.objects.filter(kind="spend").exists()


STITCH = "/api/v1/generations/stitch"


@pytest.mark.parametrize("count", [1, 9])
def test_stitch_of_too_few_or_too_many_parts_is_400_on_parts(alice_client, user, make_job, count):
    parts = [str(make_job(user, status="succeeded", seconds=4).pk) for _ in range(count)]
    response = _post(alice_client, STITCH, {"parts": parts})
    assert response.status_code == 400 and "parts" in response.json()
    _nothing_new(user, count)


def test_stitch_over_the_length_limit_is_400_on_parts(alice_client, user, make_job):
    parts = [str(make_job(user, status="succeeded", seconds=s).pk) for s in (20, 10)]
    response = _post(alice_client, STITCH, {"parts": parts})
    assert response.status_code == 400
    assert "25 s limit" in response.json()["parts"][0]
    _nothing_new(user, 2)


def test_stitch_of_mixed_aspect_ratios_is_400_on_parts(alice_client, user, make_job):
    parts = [
        str(make_job(user, status="succeeded", seconds=4, size=size).pk)
        for size in ("720x1280", "1280x720")
    ]
    response = _post(alice_client, STITCH, {"parts": parts})
    assert response.status_code == 400
    assert "aspect" in response.json()["parts"][0]
    _nothing_new(user, 2)


@pytest.mark.parametrize(
    "body", [{"parts": ["not-a-uuid", "x"]}, {"parts": "a"}, {"parts": [], "crossfade": 2}]
)
def test_stitch_malformed_body_is_400_naming_the_field(alice_client, user, body):
    response = _post(alice_client, STITCH, body)
    assert response.status_code == 400
    assert set(response.json()) & {"parts", "crossfade"}
    _nothing_new(user, 0)


def test_stitch_of_another_users_job_is_404(alice_client, user, other_user, make_job):
    mine = make_job(user, status="succeeded", seconds=4)
    theirs = make_job(other_user, status="succeeded", seconds=4)
    response = _post(alice_client, STITCH, {"parts": [str(mine.pk), str(theirs.pk)]})
    assert response.status_code == 404
    _nothing_new(user, 1)


def test_stitch_of_a_job_not_succeeded_is_409(alice_client, user, make_job):
    done = make_job(user, status="succeeded", seconds=4)
    running = make_job(user, status="rendering", seconds=4)
    response = _post(alice_client, STITCH, {"parts": [str(done.pk), str(running.pk)]})
    assert response.status_code == 409
    assert response.json()["code"] == "job_not_succeeded"
    _nothing_new(user, 2)


def test_extend_another_users_job_is_404(alice_client, user, other_user, make_job):
    theirs = make_job(other_user, status="succeeded", seconds=4)
    response = _post(
        alice_client, "/api/v1/generations", {"prompt": MORE, "extend": str(theirs.pk)}
    )
    assert response.status_code == 404
    _nothing_new(user, 0)


def test_extend_a_job_not_succeeded_is_409(alice_client, user, make_job):
    failed = make_job(user, status="failed", seconds=4)
    response = _post(
        alice_client, "/api/v1/generations", {"prompt": MORE, "extend": str(failed.pk)}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "job_not_succeeded"
    _nothing_new(user, 1)


def test_extend_past_the_length_limit_is_400_on_seconds(alice_client, user, make_job):
    long = make_job(user, status="succeeded", seconds=20)
    body = {"prompt": MORE, "extend": str(long.pk), "seconds": 8}
    response = _post(alice_client, "/api/v1/generations", body)
    assert response.status_code == 400
    assert "28 s" in response.json()["seconds"][0]
    _nothing_new(user, 1)


def test_extend_with_remix_of_is_400_on_extend(alice_client, user, make_job):
    done = make_job(user, status="succeeded", seconds=4)
    body = {"prompt": MORE, "extend": str(done.pk), "remix_of": str(done.pk)}
    response = _post(alice_client, "/api/v1/generations", body)
    assert response.status_code == 400 and "extend" in response.json()
    _nothing_new(user, 1)


def test_hostile_text_in_an_extension_is_blocked_by_the_content_gate(
    alice_client, user, make_job, settings
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    done = make_job(user, status="succeeded", seconds=4)
    body = {"prompt": "and then a dragon appears", "extend": str(done.pk)}
    response = _post(alice_client, "/api/v1/generations", body)
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == "blocked" and job.kind == "extend"
    assert not QuotaEntry.objects.filter(user=user).exists()


# --- consent in the source clips ------------------------------------------------------------


@pytest.fixture
def bobs_clip_with_alices_cameo(make_user, user, make_cameo, make_job):
    """Bob's succeeded draft showing alice's cameo, which alice approved bob for."""
    from accounts.models import CameoGrant

    bob = make_user("bob")
    cameo = make_cameo(user, permission="approved")
    CameoGrant.objects.create(cameo=cameo, grantee=bob)
    clip = make_job(bob, status="succeeded", seconds=4)
    JobCameo.objects.create(job=clip, cameo=cameo)
    return bob, clip, cameo


def test_stitch_rechecks_consent_of_every_part(
    auth_client, bobs_clip_with_alices_cameo, make_job, user
):
    from accounts.models import ConsentEvent
    from accounts.services.cameos import revoke_cameo_grant

    bob, clip, cameo = bobs_clip_with_alices_cameo
    other = make_job(bob, status="succeeded", seconds=4)
    client = auth_client(bob)
    revoke_cameo_grant(user, bob)
    response = _post(client, STITCH, {"parts": [str(other.pk), str(clip.pk)]})
    assert response.status_code == 403
    assert response.json()["code"] == "cameo_permission_denied"
    _nothing_new(bob, 2)
    assert ConsentEvent.objects.filter(cameo=cameo, action="use_refused").exists()


def test_extend_rechecks_consent_of_the_source(auth_client, bobs_clip_with_alices_cameo, user):
    from accounts.services.cameos import revoke_cameo_grant

    bob, clip, _ = bobs_clip_with_alices_cameo
    client = auth_client(bob)
    revoke_cameo_grant(user, bob)
    response = _post(client, "/api/v1/generations", {"prompt": MORE, "extend": str(clip.pk)})
    assert response.status_code == 403
    _nothing_new(bob, 1)


def test_extend_records_the_source_cameos_as_used(auth_client, bobs_clip_with_alices_cameo):
    bob, clip, cameo = bobs_clip_with_alices_cameo
    response = _post(
        auth_client(bob), "/api/v1/generations", {"prompt": MORE, "extend": str(clip.pk)}
    )
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert list(JobCameo.objects.filter(job=job).values_list("cameo", flat=True)) == [cameo.pk]
    assert response.json()["cameos"] == [cameo.owner.handle]


def test_revoked_consent_withdraws_a_stitched_draft_and_refuses_its_parts(
    auth_client, bobs_clip_with_alices_cameo, make_job, user
):
    from accounts.services.cameos import revoke_cameo_consent

    bob, clip, _ = bobs_clip_with_alices_cameo
    other = make_job(bob, status="succeeded", seconds=4)
    response = _post(auth_client(bob), STITCH, {"parts": [str(other.pk), str(clip.pk)]})
    assert response.status_code == 202
    revoke_cameo_consent(user)
    stitch = GenerationJob.objects.get(pk=response.json()["id"])
    assert stitch.status == "cancelled"  # the stitch shows the cameo too
    again = _post(auth_client(bob), STITCH, {"parts": [str(other.pk), str(clip.pk)]})
    assert again.status_code == 409  # the part itself was withdrawn


# --- charging -------------------------------------------------------------------------------


def test_extension_is_charged_by_its_new_seconds(alice_client, user, make_job, settings):
    from billing.services import grant_credits

    settings.GENERATION_DAILY_LIMIT = 0  # every generation is paid in credits
    settings.CREDIT_PRICES = {"720x1280": 2, "1280x720": 2, "1024x1792": 5, "1792x1024": 5}
    grant_credits(user, 100, reason="test", actor=user)
    done = make_job(user, status="succeeded", seconds=8)
    body = {"prompt": MORE, "extend": str(done.pk), "seconds": 4}
    response = _post(alice_client, "/api/v1/generations", body)
    assert response.status_code == 202
    assert response.json()["seconds"] == 12
    spend = CreditEntry.objects.get(kind="spend")
    assert spend.amount == -2 * 4  # 4 new seconds, not the 12 s clip
    assert str(spend.job_id) == response.json()["id"]


def test_extension_within_the_allowance_takes_one_quota_slot(alice_client, user, make_job):
    done = make_job(user, status="succeeded", seconds=8)
    response = _post(alice_client, "/api/v1/generations", {"prompt": MORE, "extend": str(done.pk)})
    assert response.status_code == 202
    assert list(QuotaEntry.objects.filter(user=user).values_list("kind", "amount")) == [
        ("charge", 1)
    ]


def test_stitch_is_not_charged_even_beyond_the_allowance(alice_client, user, make_job, settings):
    settings.GENERATION_DAILY_LIMIT = 0
    parts = [str(make_job(user, status="succeeded", seconds=4).pk) for _ in range(2)]
    response = _post(alice_client, STITCH, {"parts": parts, "crossfade": 0.25})
    assert response.status_code == 202, response.json()
    assert response.json()["kind"] == "stitch"
    assert [p["relation"] for p in response.json()["parents"]] == ["stitch_part"] * 2
    assert not QuotaEntry.objects.filter(user=user).exists()
    assert not CreditEntry.objects.exists()


def test_stitch_replays_with_the_same_idempotency_key(alice_client, user, make_job):
    parts = [str(make_job(user, status="succeeded", seconds=4).pk) for _ in range(2)]
    key = new_key()
    first = _post(alice_client, STITCH, {"parts": parts}, key=key)
    again = _post(alice_client, STITCH, {"parts": parts}, key=key)
    other = _post(alice_client, STITCH, {"parts": parts[::-1]}, key=key)
    assert (first.status_code, again.status_code, other.status_code) == (202, 200, 409)
    assert again.json()["id"] == first.json()["id"]


def test_erasing_the_account_removes_an_extended_upload(
    user, tmp_path, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from config.storage import file_exists
    from generation.services import derived, erase_jobs_of
    from tests.generation.clips import write_mp4

    data = write_mp4(tmp_path / "mine.mp4", seconds=2, size=(320, 576)).read_bytes()
    upload = derived.check_source_upload(SimpleUploadedFile("mine.mp4", data, "video/mp4"))
    assert (upload.size, upload.seconds) == ("720x1280", 2)
    job, created = derived.create_extension(
        user, source=None, upload=upload, prompt=MORE, seconds=4,
        idempotency_key=new_key(), request_hash="h",
    )  # fmt: skip
    name = job.provenance["extension"]["upload"]
    assert created and file_exists(name) and job.seconds == 6
    with django_capture_on_commit_callbacks(execute=True):
        erase_jobs_of(user)
    assert not file_exists(name)
