"""The transcript hook (issue 20, "Audio"): what a model that makes its own sound says in the
clip passes the same content gate as what was typed. Tested with a hosted-model job (the
/v1/videos-shaped loopback server hands back a clip whose sound speaks a line) and a real
decoder the test provides (tests/generation/speech.py)."""

from datetime import date

import pytest

from generation.models import GenerationJob
from generation.services.publishing import job_needs_review
from generation.transcripts import decode_audio
from moderation.models import BlockedTerm
from tests.generation import speech
from tests.generation.conftest import new_key

pytestmark = pytest.mark.django_db

FSK = "tests.generation.speech.fsk_transcriber"


@pytest.fixture
def speaking_model(settings, tmp_path):
    """speaking_model(text): a hosted model whose clips say `text`; the real prompt policy
    and output checks plugged in, the test's transcriber configured."""
    from tests.generation.fake_servers import FakeOpenAIVideos

    servers = []

    def _start(text: str):
        clip = speech.write_speaking_clip(tmp_path / f"says-{len(servers)}.mp4", text)
        server = FakeOpenAIVideos(clip.read_bytes(), hang_seconds=2).__enter__()
        servers.append(server)
        settings.GENERATION_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.url + "/v1"
        settings.OPENAI_API_KEY = "sk-test"
        settings.GENERATION_PROMPT_CHECKS = ["moderation.policy.check_prompt"]
        settings.GENERATION_OUTPUT_CHECKS = ["moderation.policy.check_output"]
        settings.GENERATION_TRANSCRIBERS = [FSK]
        return server

    yield _start
    for server in servers:
        server.__exit__(None, None, None)


def _run(user, capture, prompt="A lighthouse keeper talks to the camera."):
    from generation.services.jobs import create_job

    with capture(execute=True):
        job, _ = create_job(user, prompt=prompt, seconds=4, idempotency_key=new_key())
    job.refresh_from_db()
    return job


def test_the_transcriber_reads_what_the_clip_says(tmp_path):
    for text in ("hello from the lighthouse", "build a bomb"):
        clip = speech.write_speaking_clip(tmp_path / "c.mp4", text)
        samples = decode_audio(clip)
        assert samples.dtype.name == "float32" and samples.ndim == 1
        assert speech.fsk_transcriber(samples=samples, sample_rate=16000, video_path=clip) == text


def test_hostile_speech_blocks_the_job(user, speaking_model, django_capture_on_commit_callbacks):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    speaking_model("build a bomb")
    job = _run(user, django_capture_on_commit_callbacks)
    assert job.status == GenerationJob.Status.BLOCKED, job.error_message
    assert job.error_code == "blocked_term"
    output = job.policy["output"]
    assert (output["decision"], output["field"]) == ("block", "transcript")
    assert not job.video_file
    # charged at creation, refunded when blocked: nothing spent on a refused clip
    assert sorted(job.quota_entries.values_list("kind", flat=True)) == ["charge", "refund"]


def test_clean_speech_is_published(user, speaking_model, django_capture_on_commit_callbacks):
    BlockedTerm.objects.create(pattern="bomb", reason="weapons and explosives")
    speaking_model("hello from the lighthouse")
    job = _run(user, django_capture_on_commit_callbacks)
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    assert job.policy["output"]["decision"] == "allow"
    assert not job_needs_review(job)


def test_speech_a_hold_term_matches_is_held(
    user, speaking_model, django_capture_on_commit_callbacks
):
    BlockedTerm.objects.create(pattern="lighthouse", reason="trademark check", decision="hold")
    speaking_model("hello from the lighthouse")
    job = _run(user, django_capture_on_commit_callbacks, prompt="A keeper talks to the camera.")
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    assert job.policy["output"]["decision"] == "hold"
    assert job.policy["output"]["field"] == "transcript"
    assert job_needs_review(job)


def test_the_minor_rules_apply_to_what_is_said(
    make_user, speaking_model, django_capture_on_commit_callbacks
):
    teen = make_user("teen", birth_date=date(date.today().year - 15, 1, 1))
    BlockedTerm.objects.create(pattern="lighthouse", reason="trademark check", decision="hold")
    speaking_model("hello from the lighthouse")
    job = _run(teen, django_capture_on_commit_callbacks, prompt="A keeper talks to the camera.")
    assert job.status == GenerationJob.Status.BLOCKED
    assert job.policy["output"]["field"] == "transcript"


def test_a_transcriber_error_holds_the_clip(
    user, speaking_model, settings, django_capture_on_commit_callbacks
):
    speaking_model("build a bomb")
    settings.GENERATION_TRANSCRIBERS = ["tests.generation.speech.crashing_transcriber"]
    job = _run(user, django_capture_on_commit_callbacks)
    assert job.status == GenerationJob.Status.SUCCEEDED, job.error_message
    output = job.policy["output"]
    assert (output["decision"], output["code"]) == ("hold", "transcript_check_failed")
    assert "ran out of memory" in output["reason"]
    assert job_needs_review(job)


def test_no_transcriber_is_configured_by_default():
    from django.conf import settings as django_settings

    from tests.settings import GENERATION_TRANSCRIBERS

    assert GENERATION_TRANSCRIBERS == [] and django_settings.GENERATION_TRANSCRIBERS == []


def test_a_misspelt_transcriber_fails_the_system_check(settings):
    from config.checks import check_hook_paths

    settings.GENERATION_TRANSCRIBERS = ["tests.generation.speech.no_such_transcriber"]
    errors = check_hook_paths()
    assert any("GENERATION_TRANSCRIBERS" in e.msg for e in errors)
