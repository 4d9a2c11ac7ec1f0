"""Every published clip carries a C2PA manifest signed with the deployment's certificate:
read back with c2pa-python it validates, says what made it (Cutaway, c2pa.created, the
generative-AI source type, provider and model), carries a hash of the prompt but never the
prompt, names the cameos shown and its parents; a changed byte breaks it; a manifest that
does not validate on re-read is never published."""

import hashlib
import json

import c2pa
import pytest

from config.storage import file_exists, list_files
from feed.models import Video
from feed.services import hide_video
from generation.c2pa_test_chain import write_test_chain
from generation.models import GenerationJob, QuotaEntry
from generation.provenance import TRAINED_ALGORITHMIC_MEDIA
from media.probe import probe_video
from tests.c2pa_clips import active, assertion, publish, read_stored, render, trusting_context

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

PROMPT = "A secret birthday plan: a red kite rises over a beach at dawn."


def test_published_clip_manifest_validates_and_says_what_made_it(
    user, make_user, make_cameo, django_capture_on_commit_callbacks, tmp_path
):
    maya = make_user("maya")
    make_cameo(maya, permission="everyone")
    job = render(user, PROMPT, capture=django_capture_on_commit_callbacks, cameo_handles=["maya"])
    assert job.status == "succeeded", (job.error_code, job.error_message)

    state, store, data = read_stored(job.video_file, tmp_path)
    assert state == "Trusted"
    assert store["validation_results"]["activeManifest"]["failure"] == []
    manifest = active(store)
    assert manifest["claim_generator_info"][0]["name"] == "Cutaway"
    assert manifest["claim_generator_info"][0]["version"]
    assert manifest["signature_info"]["common_name"] == "Cutaway TEST signer"
    (created,) = assertion(manifest, "c2pa.actions.v2")["actions"]
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert created["softwareAgent"]["name"] == f"local/{job.model}"
    details = assertion(manifest, "com.cutaway.generation")
    assert details["provider"] == "local" and details["model"] == job.model
    assert details["prompt_sha256"] == hashlib.sha256(PROMPT.encode()).hexdigest()
    assert details["cameos"] == ["maya"]
    assert details["job_id"] == str(job.pk)
    assert "birthday" not in json.dumps(store)
    assert b"birthday" not in data  # nowhere in the public file
    # sha256 fields describe the stored (signed) file; it still plays, with sound
    assert hashlib.sha256(data).hexdigest() == job.sha256 == job.provenance["sha256"]
    (tmp_path / "signed.mp4").write_bytes(data)
    assert probe_video(tmp_path / "signed.mp4", require_audio=True).has_audio


def test_every_rendition_is_signed(user, django_capture_on_commit_callbacks, tmp_path):
    job = render(user, capture=django_capture_on_commit_callbacks)
    renditions = list(job.renditions.order_by("-height"))
    assert [r.height for r in renditions] == [1280, 854]
    labels = []
    for rendition in renditions:
        state, store, _ = read_stored(rendition.video_file, tmp_path)
        assert state == "Trusted", rendition.video_file
        labels.append(assertion(active(store), "com.cutaway.generation")["rendition"])
    assert labels == ["720p", "480p"]


def test_one_changed_byte_in_mdat_invalidates_the_manifest(
    user, django_capture_on_commit_callbacks, tmp_path
):
    job = render(user, capture=django_capture_on_commit_callbacks)
    _, _, data = read_stored(job.video_file, tmp_path)
    tampered = bytearray(data)
    mdat = tampered.find(b"mdat")
    assert mdat > 0
    tampered[mdat + 4096] ^= 0x01
    path = tmp_path / "tampered.mp4"
    path.write_bytes(bytes(tampered))
    with trusting_context() as context, c2pa.Reader(str(path), context=context) as reader:
        assert reader.get_validation_state() == "Invalid"
        failures = reader.get_validation_results()["activeManifest"]["failure"]
    assert "assertion.bmffHash.mismatch" in [f["code"] for f in failures]


def test_remix_parent_is_an_ingredient_with_its_own_manifest(
    user, other_user, django_capture_on_commit_callbacks, tmp_path
):
    parent = render(user, capture=django_capture_on_commit_callbacks)
    video = publish(parent)
    _, parent_store, _ = read_stored(parent.video_file, tmp_path)

    remix = render(
        other_user, "My take on it", capture=django_capture_on_commit_callbacks, remix_of=video.pk
    )
    assert remix.status == "succeeded", (remix.error_code, remix.error_message)
    state, store, _ = read_stored(remix.video_file, tmp_path)
    assert state == "Trusted"
    manifest = active(store)
    (ingredient,) = manifest["ingredients"]
    assert ingredient["instance_id"] == f"cutaway:job:{parent.pk}"
    assert ingredient["relationship"] == "componentOf"
    # the parent's signed MP4 was the ingredient: its own manifest travels inside the remix
    assert ingredient["active_manifest"] == parent_store["active_manifest"]
    assert parent_store["active_manifest"] in store["manifests"]
    details = assertion(manifest, "com.cutaway.generation")
    assert details["parents"] == [{"job_id": str(parent.pk), "relation": "remix"}]


def test_a_parent_no_longer_shown_is_named_without_its_file(
    user, other_user, django_capture_on_commit_callbacks, tmp_path
):
    parent = render(user, capture=django_capture_on_commit_callbacks)
    video = publish(parent)
    from generation.services import create_job

    with django_capture_on_commit_callbacks(execute=False) as pending:
        remix, _ = create_job(
            other_user, prompt="Remix", seconds=4, remix_of=video.pk, idempotency_key="rm-1"
        )
    hide_video(video, status=Video.Status.REMOVED, reason="spam")  # before the remix renders
    for callback in pending:
        callback()
    remix.refresh_from_db()
    assert remix.status == "succeeded", (remix.error_code, remix.error_message)
    state, store, _ = read_stored(remix.video_file, tmp_path)
    assert state == "Trusted"
    (ingredient,) = active(store)["ingredients"]
    assert ingredient["instance_id"] == f"cutaway:job:{parent.pk}"
    assert "active_manifest" not in ingredient  # the removed clip's file was not copied in
    assert list(store["manifests"]) == [store["active_manifest"]]


def test_a_manifest_that_fails_validation_on_reread_is_not_published(
    settings, user, django_capture_on_commit_callbacks, tmp_path
):
    # The deployment trusts a root that did not issue its signing certificate: the re-read
    # reports signingCredential.untrusted, so nothing is stored and the quota comes back.
    settings.C2PA_TRUST_ANCHORS = str(write_test_chain(tmp_path / "other").root)
    job = render(user, capture=django_capture_on_commit_callbacks)
    assert job.status == GenerationJob.Status.FAILED
    assert job.error_code == "provenance_invalid"
    assert "did not validate" in job.error_message
    assert "signingCredential.untrusted" in job.error_message
    assert job.video_file == "" and job.sha256 == ""
    assert not file_exists(f"clips/{job.pk}/1/video.mp4")
    assert list_files(f"clips/{job.pk}") == []
    kinds = sorted(QuotaEntry.objects.filter(job=job).values_list("kind", flat=True))
    assert kinds == ["charge", "refund"]
