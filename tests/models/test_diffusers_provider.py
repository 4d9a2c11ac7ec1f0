"""The diffusers provider on tiny random-weight LTX-2 and Wan pipelines, saved with
save_pretrained and loaded through the provider's own loading code: whole jobs (plan, one
model call per shot, continuity, audio, post-processing, storage), seeds, progress, and the
failures a self-hoster meets (missing folder, unsupported class, a model error mid-shot)."""

import json
import uuid

import pytest

from config.storage import read_file
from generation.models import QuotaEntry
from generation.providers.base import JobSpec
from generation.providers.families import ModelUnavailable, read_model_folder
from generation.services import create_job
from tests.models.tiny_models import tiny_tokenizer, use_tiny

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

STORYBOARD = [
    {"seconds": 2, "camera": "push_in", "subject": "a robot", "action": "dances in the rain"},
    {"seconds": 1.5, "camera": "pan_left", "subject": "a dog", "action": "runs on the beach"},
    {"seconds": 0.5, "camera": "static", "subject": "the city", "action": "at night"},
]


def _create(user, **kwargs):
    kwargs.setdefault("seconds", 4)
    kwargs.setdefault("seed", 5)
    job, created = create_job(
        user, prompt="a robot and a dog", idempotency_key=str(uuid.uuid4()), **kwargs
    )
    assert created
    return job


def _ledger(job):
    return sorted(QuotaEntry.objects.filter(job=job).values_list("kind", flat=True))


def _decoded_audio(path):
    import av
    import numpy as np

    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1)


def _synth_correlation(path, shots):
    """How closely the file's sound follows Cutaway's synthesised track for these shots."""
    import numpy as np

    from generation.render import shot_frame_counts
    from generation.render.sound import synthesize_track

    decoded = _decoded_audio(path)[0]
    synth = synthesize_track(shots, shot_frame_counts(shots), seed=5, fps=24)[0]
    # AAC's priming delay: find the best alignment within 4096 samples.
    n = min(len(decoded), len(synth)) - 4096
    best = max(
        abs(float(np.corrcoef(decoded[lag : lag + n], synth[:n])[0, 1]))
        for lag in range(0, 4096, 64)
    )
    return best


@pytest.mark.parametrize(("family", "size"), [("ltx2", "720x1280"), ("wan", "1280x720")])
def test_a_storyboard_job_runs_through_the_model_shot_by_shot(
    family, size, tiny_folders, settings, user, django_capture_on_commit_callbacks, tmp_path
):
    from media.probe import probe_video

    use_tiny(settings, family, tiny_folders[family])
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, storyboard=STORYBOARD, size=size)
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provider == "diffusers"
    assert job.model == read_model_folder(tiny_folders[family]).model_id
    assert [shot["subject"] for shot in job.storyboard] == ["a robot", "a dog", "the city"]
    path = tmp_path / "clip.mp4"
    path.write_bytes(read_file(job.video_file))
    probe = probe_video(path, require_audio=True)
    assert f"{probe.width}x{probe.height}" == size
    assert 3.9 <= probe.duration <= 4.2
    assert job.provenance["model"] == job.model
    assert _ledger(job) == ["charge"]


def _spec(**kwargs):
    from generation.storyboard import validate_storyboard

    fields = {"job_id": "j1", "prompt": "p", "seconds": 4, "size": "720x1280", "seed": 3}
    fields["shots"] = validate_storyboard(STORYBOARD, 4)
    return JobSpec(**{**fields, **kwargs})


def test_ltx2_keeps_its_own_sound_and_wan_gets_the_synthesiser(tiny_folders, settings, tmp_path):
    from generation.providers.diffusion import render_storyboard

    correlations = {}
    for family in ("ltx2", "wan"):
        use_tiny(settings, family, tiny_folders[family])
        out = tmp_path / f"{family}.mp4"
        spec = _spec(seed=5)
        render_storyboard(spec, out)
        correlations[family] = _synth_correlation(out, spec.shots)
    assert correlations["wan"] > 0.9
    assert correlations["ltx2"] < 0.5


def test_same_seed_same_clip_and_another_seed_another(tiny_folders, settings, tmp_path):
    from generation.postprocess import file_sha256
    from generation.providers.diffusion import render_storyboard

    use_tiny(settings, "wan", tiny_folders["wan"])
    hashes = []
    for number, seed in enumerate((7, 7, 8)):
        out = tmp_path / f"{number}.mp4"
        render_storyboard(_spec(seed=seed), out)
        hashes.append(file_sha256(out))
    assert hashes[0] == hashes[1]
    assert hashes[2] != hashes[0]


def test_progress_reports_every_denoising_step_of_every_shot(tiny_folders, settings, tmp_path):
    from generation.providers.diffusion import render_storyboard

    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    seen = []
    render_storyboard(_spec(progress=seen.append), tmp_path / "out.mp4")
    # 3 shots x 2 steps, rising, then done.
    assert len(seen) == 7
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert seen[1] == pytest.approx(0.95 / 3)


def test_ltx2_continues_each_shot_from_the_previous_last_frame(tiny_folders, settings, tmp_path):
    from generation.providers import diffusion

    use_tiny(settings, "ltx2", tiny_folders["ltx2"])
    diffusion.render_storyboard(_spec(), tmp_path / "out.mp4")
    model = diffusion.load_model()
    # Shots 2 and 3 went through the image-to-video class built on the same weights.
    assert list(model.variants) == ["LTX2ImageToVideoPipeline"]
    assert model.variants["LTX2ImageToVideoPipeline"].transformer is model.pipeline.transformer


def test_the_pipeline_stays_warm_between_jobs(tiny_folders, settings):
    from generation.providers import diffusion

    use_tiny(settings, "wan", tiny_folders["wan"])
    first = diffusion.load_model()
    assert diffusion.load_model() is first


def test_wan_image_to_video_without_a_reference_fails_refunded(
    tiny_folders, settings, user, django_capture_on_commit_callbacks
):
    use_tiny(settings, "wan_i2v", tiny_folders["wan_i2v"])
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "reference_image_required")
    assert _ledger(job) == ["charge", "refund"]


def test_missing_folder_and_unsupported_class_are_named(tmp_path):
    with pytest.raises(ModelUnavailable, match="DIFFUSERS_MODEL is not set"):
        read_model_folder("")
    with pytest.raises(ModelUnavailable, match=r"DIFFUSERS_MODEL=.*not a readable"):
        read_model_folder(tmp_path / "nowhere")
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "CogVideoXPipeline"}))
    with pytest.raises(ModelUnavailable, match="holds a CogVideoXPipeline, which Cutaway"):
        read_model_folder(tmp_path)


def test_a_folder_with_unreadable_weights_fails_naming_the_setting(
    tiny_folders, settings, tmp_path
):
    import shutil

    from generation.providers import diffusion

    broken = tmp_path / "broken"
    shutil.copytree(tiny_folders["wan"], broken)
    for weights in (broken / "transformer").glob("*.safetensors"):
        weights.write_bytes(b"not weights")
    use_tiny(settings, "wan", broken)
    with pytest.raises(ModelUnavailable, match=r"DIFFUSERS_MODEL=.*could not be loaded"):
        diffusion.load_model()


def _mismatched_wan(folder):
    """A Wan folder whose text encoder knows fewer tokens than its tokenizer makes: the
    model itself fails on the first shot (IndexError in the embedding)."""
    from transformers import T5Config, T5EncoderModel

    from tests.models.tiny_models import tiny_wan

    pipeline = tiny_wan()
    pipeline.text_encoder = T5EncoderModel(
        T5Config(vocab_size=4, d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4)
    ).eval()
    pipeline.tokenizer = tiny_tokenizer()
    pipeline.save_pretrained(str(folder))
    return folder


def test_a_model_error_mid_job_fails_readably_refunded_and_stores_nothing(
    settings, user, django_capture_on_commit_callbacks, tmp_path
):
    from django.core.files.storage import default_storage

    from generation.providers.local import _render_dir

    use_tiny(settings, "wan", _mismatched_wan(tmp_path / "mismatched"))
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "model_error")
    assert job.error_message.startswith("The video model failed on shot 1: IndexError")
    assert _ledger(job) == ["charge", "refund"]
    assert not default_storage.exists(f"clips/{job.pk}")
    assert not [p for p in _render_dir().iterdir() if str(job.pk) in p.name]


def test_provider_error_carries_the_model_message_to_the_api(
    settings, user, django_capture_on_commit_callbacks, tmp_path, auth_client
):
    use_tiny(settings, "wan", _mismatched_wan(tmp_path / "mismatched"))
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    body = auth_client(user).get(f"/api/v1/generations/{job.pk}").json()
    assert body["status"] == "failed"
    assert "shot 1" in json.dumps(body)


def test_bad_pipeline_options_fail_the_job_naming_the_setting(
    tiny_folders, settings, user, django_capture_on_commit_callbacks
):
    use_tiny(settings, "wan", tiny_folders["wan"])
    settings.DIFFUSERS_PIPELINE_OPTIONS = "{guidance: 1"
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user)
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "model_unavailable")
    assert "DIFFUSERS_PIPELINE_OPTIONS" in job.error_message
    assert _ledger(job) == ["charge", "refund"]


def test_a_model_job_is_encoded_once_at_the_job_size_from_its_frames(
    tiny_folders, settings, user, django_capture_on_commit_callbacks, tmp_path
):
    """The model's frames go to post-processing in memory, scaled straight to the job's
    size: no render file, no source hash, every rendition, the creator's watermark text."""
    from generation.postprocess import read_provenance
    from generation.providers.local import _render_dir
    from media.probe import probe_video

    use_tiny(settings, "wan", tiny_folders["wan"])
    with django_capture_on_commit_callbacks(execute=True):
        job = _create(user, storyboard=STORYBOARD, size="720x1280")
    job.refresh_from_db()
    assert job.status == "succeeded", (job.error_code, job.error_message)
    assert job.provenance["source_sha256"] == ""
    assert not [p for p in _render_dir().iterdir() if str(job.pk) in p.name]
    sizes = list(job.renditions.order_by("-height").values_list("width", "height"))
    assert sizes == [(720, 1280), (480, 854)]
    path = tmp_path / "clip.mp4"
    path.write_bytes(read_file(job.video_file))
    assert (probe_video(path, require_audio=True).width, read_provenance(path)["job_id"]) == (
        720,
        str(job.pk),
    )
