"""The frame classifier (moderation/classifier.py): real NudeNet on real frames, through the
real pipeline (the `openai` provider against the loopback fake server returns our clip).

No explicit image can ship with the tests, so the policy is exercised with a class NudeNet
reliably finds on a public-domain portrait (matplotlib's sample Grace Hopper photo scores
FACE_FEMALE about 0.7): each test sets the thresholds for that class, as a deployment sets
them for the exposed classes.
"""

import io
from datetime import date

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from config.storage import file_exists, read_file
from generation.models import GenerationJob, QuotaEntry
from generation.services.jobs import create_job
from moderation import classifier
from moderation.models import ReviewItem

pytestmark = pytest.mark.django_db

FACE = "FACE_FEMALE"
SIZE = (720, 1280)
PORTRAIT_SECONDS = 2  # the portrait is shown for the first 2 s of 4


def _portrait() -> np.ndarray:
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(Image.open(path).convert("RGB"))


def write_portrait_clip(path, *, portrait_seconds=PORTRAIT_SECONDS, seconds=4, fps=12):
    """A 720x1280 H.264/AAC clip: the portrait on a dark ground, then a moving colour field."""
    from tests import clips

    portrait = _portrait()
    width, height = SIZE

    def paint(index):
        image = np.full((height, width, 3), 30, dtype=np.uint8)
        if index < portrait_seconds * fps:
            h, w = portrait.shape[:2]
            image[300 : 300 + h, 104 : 104 + w] = portrait
        else:
            image[:, :, 2] = (index * 9) % 255
            image[(index * 13) % height :, :, 1] = 120
        return image

    return clips.write_clip(
        path, paint, count=seconds * fps, fps=fps, size=SIZE, video_options={"preset": "ultrafast"}
    )


@pytest.fixture(scope="session")
def portrait_mp4(tmp_path_factory) -> bytes:
    return write_portrait_clip(tmp_path_factory.mktemp("classifier") / "p.mp4").read_bytes()


@pytest.fixture(autouse=True)
def _classifier_settings(settings):
    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = [
        "moderation.policy.check_output",
        "moderation.classifier.check_frames",
    ]
    settings.GENERATION_POLL_INTERVAL_SECONDS = 0.05
    settings.GENERATION_PROVIDER_HTTP_RETRIES = 0
    settings.MODERATION_CLASSIFIER_MODEL = ""
    settings.MODERATION_CLASSIFIER_FPS = 1
    settings.MODERATION_CLASSIFIER_CAMEO_FACTOR = 0.6
    settings.MODERATION_CLASSIFIER_MINOR_FACTOR = 0.6


@pytest.fixture
def provider(settings, portrait_mp4):
    """The `openai` provider, answered by the loopback fake server with the portrait clip."""
    from tests.generation.fake_servers import FakeOpenAIVideos

    with FakeOpenAIVideos(portrait_mp4, hang_seconds=2) as server:
        settings.GENERATION_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.url + "/v1"
        settings.OPENAI_API_KEY = "sk-test"
        settings.GENERATION_PROVIDER_HTTP_TIMEOUT = 5
        yield server


@pytest.fixture
def render(provider, django_capture_on_commit_callbacks):
    """render(user, **create_job kwargs) → the job after the pipeline ran (eager Celery)."""
    import uuid

    def _render(user, **kwargs):
        kwargs.setdefault("prompt", "A portrait of a computer scientist")
        kwargs.setdefault("seconds", 4)
        with django_capture_on_commit_callbacks(execute=True):
            job, _ = create_job(user, idempotency_key=f"nn-{uuid.uuid4()}", **kwargs)
        job.refresh_from_db()
        return job

    return _render


@pytest.fixture
def publish(auth_client, django_capture_on_commit_callbacks):
    """publish(user, job) → the API's video body (after-commit receivers run: the queue)."""

    def _publish(user, job):
        with django_capture_on_commit_callbacks(execute=True):
            response = auth_client(user).post(
                "/api/v1/videos", {"generation": str(job.pk)}, format="json"
            )
        assert response.status_code == 201, response.content
        return response.json()

    return _publish


def _samples(job):
    return job.policy["output_evidence"]["frames"]["samples"]


def _face_score(sample) -> float:
    return max((c["score"] for c in sample["top"] if c["class"] == FACE), default=0.0)


def _ledger(job):
    return sorted(QuotaEntry.objects.filter(job=job).values_list("kind", flat=True))


def _cameo(owner):
    from django.utils import timezone

    from accounts.models import Cameo

    return Cameo.objects.create(
        owner=owner,
        status=Cameo.Status.ACTIVE,
        permission="everyone",
        source_clip=f"cameos/{owner.handle}.mp4",
        verified_at=timezone.now(),
    )


# --- Verdicts through the pipeline -------------------------------------------------------


def test_default_thresholds_allow_a_portrait_and_record_every_sampled_frame(user, render):
    job = render(user)
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.policy["output"]["decision"] == "allow"
    record = job.policy["output_evidence"]["frames"]
    assert record["model"].startswith("nudenet 3.4.2") and record["error"] == ""
    samples = record["samples"]
    # 1 fps over 4 s (0.5, 1.5, 2.5, 3.5) plus the middle of each storyboard shot.
    times = [s["t"] for s in samples]
    assert {0.5, 1.5, 2.5, 3.5} <= set(times) and times == sorted(times)
    bounds = classifier.shot_bounds(job.storyboard)
    for a, b in bounds:
        assert round((a + b) / 2, 2) in times
    for sample in samples:
        assert sample["shot"] == classifier._shot_at(sample["t"], bounds)
        assert sample["decision"] == "allow" and sample["flagged"] == []
    # The portrait is found where it is shown, and nowhere else.
    assert all(_face_score(s) > 0.5 for s in samples if s["t"] < PORTRAIT_SECONDS)
    assert all(_face_score(s) == 0 for s in samples if s["t"] > PORTRAIT_SECONDS + 0.2)


def test_a_block_class_above_its_threshold_blocks_the_job_and_refunds(user, render, settings):
    settings.MODERATION_CLASSIFIER_THRESHOLDS = {FACE: {"block": 0.5, "hold": 0.3}}
    job = render(user)
    assert job.status == "blocked"
    assert job.error_code == "unsafe_frames"
    assert "face female" in job.error_message
    assert "score" not in job.error_message and "0.7" not in job.error_message  # no oracle
    assert job.policy["output"] == {
        "decision": "block",
        "code": "unsafe_frames",
        "reason": job.error_message,
        "check": "nudenet",
        "field": "",
    }
    flagged = [s for s in _samples(job) if s["decision"] == "block"]
    assert flagged and all(s["t"] < PORTRAIT_SECONDS for s in flagged)
    assert flagged[0]["flagged"][0]["class"] == FACE
    assert flagged[0]["flagged"][0]["limit"] == 0.5
    assert not job.video_file
    assert _ledger(job) == ["charge", "refund"]


def test_a_hold_class_holds_the_clip_for_review_when_published(user, render, settings, publish):
    settings.MODERATION_CLASSIFIER_THRESHOLDS = {FACE: {"block": 0.95, "hold": 0.5}}
    job = render(user)
    assert job.status == "succeeded"
    assert job.policy["output"]["decision"] == "hold"
    assert job.policy["output"]["code"] == "frames_need_review"
    video = publish(user, job)
    assert video["status"] == "held"
    item = ReviewItem.objects.get(target_id=video["id"])
    assert item.held and "policy:frames_need_review" in item.reasons


def test_thresholds_are_stricter_when_a_cameo_is_shown(user, make_user, render, settings):
    settings.MODERATION_CLASSIFIER_THRESHOLDS = {FACE: {"block": 0.95, "hold": 0.9}}
    plain = render(user)
    assert plain.policy["output"]["decision"] == "allow"
    score = max(_face_score(s) for s in _samples(plain))
    assert 0.6 * 0.95 <= score < 0.9  # the same frames pass alone and fail with a cameo

    carol = make_user("carol", birth_date=date(1990, 1, 1))
    _cameo(carol)
    with_cameo = render(user, cameo_handles=["carol"])
    assert with_cameo.status == "blocked", with_cameo.policy
    assert with_cameo.error_code == "unsafe_frames"
    record = with_cameo.policy["output_evidence"]["frames"]
    assert record["cameo"] is True and record["factor"] == 0.6
    assert "with a cameo shown" in with_cameo.error_message


def test_a_minor_makes_thresholds_stricter_and_every_hold_a_block(make_user, render, settings):
    settings.MODERATION_CLASSIFIER_THRESHOLDS = {FACE: {"hold": 0.9}}
    adult = make_user("adult", birth_date=date(1990, 1, 1))
    teen = make_user("teen", birth_date=date.today().replace(year=date.today().year - 15))
    assert render(adult).policy["output"]["decision"] == "allow"
    job = render(teen)
    assert job.status == "blocked"
    assert job.error_code == "frames_need_review"
    assert "under 18" in job.error_message
    assert job.policy["output_evidence"]["frames"]["minor"] is True


# --- Classifier errors end in HOLD -------------------------------------------------------


@pytest.mark.parametrize("model", ["missing", "garbage"])
def test_a_model_that_does_not_load_holds_the_clip(user, render, settings, tmp_path, model):
    path = tmp_path / "model.onnx"
    if model == "garbage":
        path.write_bytes(b"this is not an onnx model" * 10)
    settings.MODERATION_CLASSIFIER_MODEL = str(path)
    job = render(user)
    assert job.status == "succeeded"
    assert job.policy["output"]["decision"] == "hold"
    assert job.policy["output"]["code"] == "classifier_unavailable"
    assert "could not be loaded" in job.policy["output"]["reason"]
    assert job.policy["output_evidence"]["frames"]["error"] == "classifier_unavailable"


def test_onnxruntime_raising_at_inference_holds_the_clip(user, render, settings):
    """A model that loads but cannot take an image (onnxruntime's own sigmoid sample): every
    run raises inside onnxruntime."""
    from pathlib import Path

    import onnxruntime

    settings.MODERATION_CLASSIFIER_MODEL = str(
        Path(onnxruntime.__file__).parent / "datasets" / "sigmoid.onnx"
    )
    job = render(user)
    assert job.status == "succeeded"
    verdict = job.policy["output"]
    assert (verdict["decision"], verdict["code"]) == ("hold", "classifier_failed")
    assert "0.50 s" in verdict["reason"]  # the first sampled frame
    record = job.policy["output_evidence"]["frames"]
    assert record["error"] == "classifier_failed"
    assert "ONNXRuntimeError" in record["detail"]  # for moderators; not in the reason
    assert "ONNXRuntimeError" not in verdict["reason"]


def test_a_frame_that_does_not_decode_is_a_hold_from_the_classifier(user, tmp_path, portrait_mp4):
    from tests.factories import JobFactory

    job = JobFactory(user=user, status="post_processing", video_file="")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(portrait_mp4[: len(portrait_mp4) // 3])
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\xff" * 5000)
    for path in (broken, garbage):
        verdict = classifier.check_frames(job=job, video_path=path)
        assert verdict.decision == "hold", verdict
        assert verdict.code in ("classifier_frame_unreadable",)
        assert verdict.evidence["frames"]["error"] == verdict.code


def test_the_model_is_loaded_once_per_process(settings):
    first = classifier.load_detector()
    classifier.warm()
    assert classifier.load_detector() is first
    settings.MODERATION_CLASSIFIER_THREADS = 2  # other settings: another session
    assert classifier.load_detector() is not first


# --- What moderators see, and nobody else ------------------------------------------------


def test_thumbnails_are_stored_with_the_job_and_go_with_its_files(user, render):
    from generation.services.publishing import job_storage_names

    job = render(user)
    names = [s["thumbnail"] for s in _samples(job)]
    assert names and all(name.startswith(f"clips/{job.pk}/") for name in names)
    assert job.policy["output_files"] == names
    for name in names:
        image = Image.open(io.BytesIO(read_file(name)))
        assert image.format == "JPEG" and max(image.size) <= 160
    assert set(names) <= set(job_storage_names([job.pk]))


def test_review_page_shows_the_strip_to_moderators_only(
    user, other_user, render, settings, publish, client, make_moderator
):
    settings.MODERATION_CLASSIFIER_THRESHOLDS = {FACE: {"block": 0.95, "hold": 0.5}}
    job = render(user)
    item = ReviewItem.objects.get(target_id=publish(user, job)["id"])
    client.force_login(make_moderator("mod"))
    page = client.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="frame-strip"' in html
    samples = _samples(job)
    assert html.count('<figure class="frame decision-') == len(samples)
    assert html.count('data-decision="hold"') == sum(s["decision"] == "hold" for s in samples)
    assert f"{FACE} " in html and "≥ 0.5 (hold)" in html
    urls = [u for u in page.context["frame_scores"]["samples"]]
    thumb = urls[0]["thumbnail_url"]
    assert thumb and thumb.split("testserver")[-1] in html
    served = client.get(thumb)
    assert served.status_code == 200
    assert b"".join(served.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    # The staff-only URL serves no one else, not even the author.
    for person in (user, other_user):
        client.force_login(person)
        assert client.get(thumb).status_code == 404
    client.logout()
    assert client.get(thumb).status_code == 404


def test_scores_never_reach_the_api(user, other_user, render, auth_client, publish):
    job = render(user)
    owner = auth_client(user)
    body = owner.get(f"/api/v1/generations/{job.pk}").content.decode()
    assert FACE not in body and "/frames/" not in body and "output_evidence" not in body
    assert auth_client(other_user).get(f"/api/v1/generations/{job.pk}").status_code == 404
    video = publish(user, job)
    assert video["status"] == "published"
    seen = auth_client(other_user).get(f"/api/v1/videos/{video['id']}")
    assert seen.status_code == 200
    text = seen.content.decode()
    assert FACE not in text and "/frames/" not in text and "output_evidence" not in text


# --- Sampling and settings ---------------------------------------------------------------


def test_every_shot_gets_a_frame_even_between_fixed_rate_samples():
    shots = [{"seconds": 3}, {"seconds": 0.4}, {"seconds": 4.6}]
    samples = classifier.sample_times(8.0, shots, fps=1, max_frames=40)
    times = [s.seconds for s in samples]
    assert 3.2 in times  # the 0.4 s shot, which no 1 fps sample falls in
    assert {s.shot for s in samples} == {0, 1, 2}
    assert [t for t in times if t not in (1.5, 3.2, 5.7)] == [0.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5]


def test_the_frame_cap_keeps_every_shot_and_thins_the_rest():
    shots = [{"seconds": 5}] * 5
    samples = classifier.sample_times(25.0, shots, fps=2, max_frames=12)
    assert len(samples) == 12
    times = [s.seconds for s in samples]
    assert {2.5, 7.5, 12.5, 17.5, 22.5} <= set(times)
    assert times == sorted(times) and times[0] < 2 and times[-1] > 20


def test_labels_match_the_installed_model():
    import nudenet.nudenet as package

    assert list(classifier.LABELS) == getattr(package, "__labels")


@pytest.mark.parametrize(
    "table",
    [
        {"FACE": {"block": 0.5}},
        {FACE: {"block": 1.5}},
        {FACE: {"blok": 0.5}},
        {FACE: {"hold": "high"}},
        ["FACE_FEMALE"],
    ],
)
def test_a_bad_threshold_table_fails_the_system_check(settings, table):
    from django.core.checks import run_checks

    settings.MODERATION_CLASSIFIER_THRESHOLDS = table
    errors = [e for e in run_checks() if e.id == "cutaway.E040"]
    assert errors and "MODERATION_CLASSIFIER_THRESHOLDS" in errors[0].msg


def test_the_default_threshold_table_passes_the_system_check():
    from django.core.checks import run_checks

    assert not [e for e in run_checks() if e.id.startswith("cutaway.E04")]


def test_jobs_without_checks_configured_record_no_evidence(user, render, settings):
    settings.GENERATION_OUTPUT_CHECKS = ["moderation.policy.check_output"]
    job = render(user)
    assert job.status == "succeeded"
    assert "output_evidence" not in job.policy and "output_files" not in job.policy
    assert not GenerationJob.objects.filter(pk=job.pk, policy__has_key="output_files").exists()
    assert not file_exists(f"clips/{job.pk}/{job.attempts}/frames/000.jpg")


def test_a_worker_process_warms_the_classifier_before_its_first_job(settings):
    """config.celery's worker_process_init handler, run as the signal runs it."""
    from celery import signals

    classifier._detector.cache_clear()
    signals.worker_process_init.send(sender=None)
    assert classifier._detector.cache_info().currsize == 1
    loaded = classifier.load_detector()
    assert classifier._detector.cache_info().hits >= 1 and loaded is classifier.load_detector()
