"""Creating a cameo: explicit consent, a real clip, private storage, then verification."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Cameo, ConsentEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/cameos/me"


def _post(client, **data):
    return client.post(URL, data, format="multipart")


def test_good_clip_becomes_active_after_verification(
    user, auth_client, clip_upload, django_capture_on_commit_callbacks
):
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, video=clip_upload("good"), consent="true")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending_verification"
    assert not any("url" in key for key in response.json())
    cameo = Cameo.objects.get(owner=user)
    assert cameo.status == "active"
    assert cameo.verified_at is not None
    assert cameo.permission == "only_me"
    assert cameo.source_clip.startswith(f"cameos/{user.pk}/")
    assert cameo.source_clip.endswith(".mp4")
    assert default_storage.exists(cameo.source_clip)
    assert len(cameo.source_sha256) == 64
    events = list(ConsentEvent.objects.filter(owner=user).order_by("seq"))
    assert [e.action for e in events] == ["created", "verified"]
    assert events[0].data["consent"] is True
    assert events[1].data["motion_area"] >= 0.05
    body = client.get(URL).json()
    assert body["status"] == "active"
    assert set(body) == {
        "id",
        "status",
        "permission",
        "instructions",
        "rejection_reason",
        "created_at",
        "verified_at",
    }


@pytest.mark.parametrize(
    ("clip", "code"),
    [("silent", "no_audio"), ("static", "no_motion"), ("short", "too_short")],
)
def test_bad_clips_are_rejected_with_a_reason(
    user, auth_client, clip_upload, django_capture_on_commit_callbacks, clip, code
):
    client = auth_client(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, video=clip_upload(clip), consent="true")
    assert response.status_code == 201
    cameo = Cameo.objects.get(owner=user)
    assert cameo.status == "rejected"
    assert cameo.rejection_reason
    event = ConsentEvent.objects.get(owner=user, action="rejected")
    assert event.data["code"] == code
    assert client.get(URL).json()["rejection_reason"] == cameo.rejection_reason


@pytest.mark.parametrize("consent", [None, "false", "0"])
def test_consent_missing_or_false_is_400_on_consent(user, auth_client, clip_upload, consent):
    data = {"video": clip_upload()}
    if consent is not None:
        data["consent"] = consent
    response = _post(auth_client(user), **data)
    assert response.status_code == 400
    assert "consent" in response.json()
    assert not Cameo.objects.exists()
    assert not ConsentEvent.objects.exists()


def test_consent_must_be_a_boolean(user, auth_client, clip_upload):
    response = _post(auth_client(user), video=clip_upload(), consent="maybe")
    assert response.status_code == 400
    assert "consent" in response.json()


def test_no_file_is_400_on_video(user, auth_client):
    response = _post(auth_client(user), consent="true")
    assert response.status_code == 400
    assert "video" in response.json()


def test_zero_byte_file_is_400_on_video(user, auth_client):
    empty = SimpleUploadedFile("empty.mp4", b"", "video/mp4")
    response = _post(auth_client(user), video=empty, consent="true")
    assert response.status_code == 400
    assert "video" in response.json()


def test_oversized_file_is_400_on_video(user, auth_client, clip_upload, settings):
    settings.CAMEO_CLIP_MAX_BYTES = 1000
    response = _post(auth_client(user), video=clip_upload(), consent="true")
    assert response.status_code == 400
    assert "video" in response.json()
    assert not Cameo.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"hello, this is not a video at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64],
)
def test_not_a_video_is_400_on_video(user, auth_client, content, tmp_path, settings):
    fake = SimpleUploadedFile("clip.mp4", content, "video/mp4")
    response = _post(auth_client(user), video=fake, consent="true")
    assert response.status_code == 400
    assert "video" in response.json()
    assert not Cameo.objects.exists()


def test_garbage_behind_an_mp4_header_is_rejected_by_verification(
    user, auth_client, django_capture_on_commit_callbacks
):
    fake = SimpleUploadedFile("clip.mp4", b"\x00\x00\x00\x18ftypisom" + b"\x00" * 500)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(auth_client(user), video=fake, consent="true")
    assert response.status_code == 201
    cameo = Cameo.objects.get(owner=user)
    assert cameo.status == "rejected"
    assert ConsentEvent.objects.get(owner=user, action="rejected").data["code"] == "not_a_video"


def test_second_cameo_while_one_is_live_is_409(user, auth_client, clip_upload, make_cameo):
    make_cameo(user)
    response = _post(auth_client(user), video=clip_upload(), consent="true")
    assert response.status_code == 409
    assert response.json()["code"] == "cameo_exists"
    assert Cameo.objects.filter(owner=user).count() == 1


def test_pending_cameo_also_blocks_a_second_one(user, auth_client, clip_upload, make_cameo):
    make_cameo(user, verify=False)
    assert _post(auth_client(user), video=clip_upload(), consent="true").status_code == 409


def test_a_rejected_cameo_can_be_replaced(user, auth_client, clip_upload, make_cameo):
    rejected = make_cameo(user, clip="static")
    assert rejected.status == "rejected"
    response = _post(auth_client(user), video=clip_upload(), consent="true")
    assert response.status_code == 201
    rejected.refresh_from_db()
    assert rejected.status == "revoked"
    assert Cameo.objects.filter(owner=user).exclude(status="revoked").count() == 1
    actions = list(
        ConsentEvent.objects.filter(owner=user).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["created", "rejected", "revoked", "created"]


def test_after_revoking_a_new_cameo_can_be_created(user, auth_client, clip_upload, make_cameo):
    make_cameo(user)
    client = auth_client(user)
    assert client.delete(URL).status_code == 204
    assert _post(client, video=clip_upload(), consent="true").status_code == 201


def test_verification_is_idempotent(user, make_cameo):
    from accounts.services.cameos import verify_cameo

    cameo = make_cameo(user)
    verify_cameo(cameo)
    assert ConsentEvent.objects.filter(owner=user, action="verified").count() == 1


def test_a_cameo_revoked_during_verification_stays_revoked(user, make_cameo):
    from accounts.services.cameos import revoke_cameo_consent, verify_cameo

    cameo = make_cameo(user, verify=False)
    revoke_cameo_consent(user)
    assert verify_cameo(cameo).status == "revoked"


def test_get_without_a_cameo_is_404(user, auth_client):
    response = auth_client(user).get(URL)
    assert response.status_code == 404


def test_anonymous_cannot_create(api_client, db, clip_upload):
    response = api_client.post(URL, {"video": clip_upload(), "consent": "true"}, format="multipart")
    assert response.status_code == 401


def test_a_refused_upload_leaves_no_file_behind(user, auth_client, clip_upload, make_cameo):
    make_cameo(user)
    client = auth_client(user)
    assert _post(client, video=clip_upload(), consent="true").status_code == 409
    _, files = default_storage.listdir(f"cameos/{user.pk}")
    assert len(files) == 1


def test_an_unexpected_verifier_error_rejects_instead_of_crashing(user, make_cameo, monkeypatch):
    from accounts.services import cameos

    def explode(path, **kwargs):
        raise RuntimeError("decoder bug")

    monkeypatch.setattr(cameos, "measure_motion_area", explode)
    cameo = make_cameo(user)
    assert cameo.status == "rejected"
    assert ConsentEvent.objects.get(owner=user, action="rejected").data["code"] == (
        "verification_error"
    )


def test_the_sweep_resends_verifications_lost_to_a_broker_outage(user, make_cameo):
    import datetime

    from django.utils import timezone

    from accounts.tasks import requeue_pending_cameo_verifications

    cameo = make_cameo(user, verify=False)
    assert requeue_pending_cameo_verifications() == 0
    Cameo.objects.filter(pk=cameo.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1)
    )
    assert requeue_pending_cameo_verifications() == 1
    cameo.refresh_from_db()
    assert cameo.status == "active"


def test_motion_in_step_with_the_sampling_is_still_found(user, make_cameo):
    cameo = make_cameo(user, clip="fast")
    assert cameo.status == "active"
    assert ConsentEvent.objects.get(owner=user, action="verified").data["motion_area"] >= 0.05


def test_a_rejected_clip_is_deleted_but_its_hash_kept(
    user, auth_client, clip_upload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _post(auth_client(user), video=clip_upload("static"), consent="true")
    cameo = Cameo.objects.get(owner=user)
    assert cameo.status == "rejected"
    assert not default_storage.exists(cameo.source_clip)
    assert len(cameo.source_sha256) == 64


def test_verification_is_sent_by_name_only_once_the_upload_commits(
    user, clip_upload, django_capture_on_commit_callbacks
):
    from accounts.services.cameos import create_cameo

    with django_capture_on_commit_callbacks() as callbacks:
        cameo = create_cameo(user, upload=clip_upload("good"), consent=True)
        assert Cameo.objects.get(pk=cameo.pk).status == "pending_verification"
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: accounts.tasks.verify_cameo_task runs (eagerly in tests)
    assert Cameo.objects.get(pk=cameo.pk).status == "active"
