import pytest

from accounts.models import Cameo, Notification
from accounts.services.cameos import revoke_cameo_consent
from feed.models import Video
from feed.selectors import RemixSource, resolve_remix_source
from feed.services import hide_video, restore_video, take_down_video
from generation.models import JobCameo


@pytest.fixture
def carol_cameo(carol):
    return Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip="cameos/carol.mp4"
    )


def publish(client, job):
    return client.post("/api/v1/videos", {"generation": str(job.id)}, format="json")


def test_publish_with_cameo_notifies_owner_and_lists_it(
    auth_client, user, carol, carol_cameo, make_job
):
    job = make_job(user)
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    response = publish(auth_client(user), job)
    assert response.status_code == 201
    assert response.json()["cameos"] == [{"id": str(carol_cameo.id), "handle": "carol"}]
    note = Notification.objects.get(recipient=carol, kind=Notification.Kind.CAMEO_USE)
    assert note.actor == user and note.data["video"] == response.json()["id"]


@pytest.mark.parametrize("permission", ["only_me", "approved"])
def test_publish_rechecks_cameo_consent(
    auth_client, user, carol, carol_cameo, make_job, permission
):
    job = make_job(user)
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    carol_cameo.permission = permission  # narrowed after the job was created
    carol_cameo.save()
    response = publish(auth_client(user), job)
    assert response.status_code == 403
    assert response.json()["code"] == "cameo_permission_denied"
    assert "@carol" in response.json()["detail"]
    assert not Video.objects.exists()


def test_revoked_cameo_draft_cannot_be_published(auth_client, user, carol, carol_cameo, make_job):
    job = make_job(user)
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    revoke_cameo_consent(carol)  # generation cancels the draft inside the revocation
    response = publish(auth_client(user), job)
    assert response.status_code in (400, 403)
    assert not Video.objects.exists()


def test_revoking_consent_takes_down_published_videos(
    auth_client, user, other_user, carol, carol_cameo, make_job, make_video
):
    job = make_job(user)
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    video_id = publish(auth_client(user), job).json()["id"]
    untouched = make_video(user)
    revoke_cameo_consent(carol)
    assert Video.objects.get(pk=video_id).status == "taken_down"
    assert Video.objects.get(pk=untouched.pk).status == "published"
    assert auth_client(other_user).get(f"/api/v1/videos/{video_id}").status_code == 404
    feed = auth_client(other_user).get("/api/v1/feed").json()["results"]
    assert [v["id"] for v in feed] == [str(untouched.id)]


def test_hide_restore_take_down(auth_client, user, other_user, make_video):
    video = make_video(user)
    client = auth_client(other_user)
    hide_video(video, status="removed", reason="spam")
    assert video.status == "removed" and video.status_reason == "spam"
    assert client.get(f"/api/v1/videos/{video.id}").status_code == 404
    restore_video(video)
    assert client.get(f"/api/v1/videos/{video.id}").status_code == 200
    take_down_video(video, reason="cameo owner removed it")
    assert Video.objects.get(pk=video.pk).status == "taken_down"
    with pytest.raises(ValueError):
        hide_video(video, status="published", reason="")


def test_restore_never_undoes_author_deletion(user, make_video):
    video = make_video(user, status="deleted")
    restore_video(video)
    assert video.status == "deleted"


def test_resolve_remix_source(user, other_user, carol_cameo, make_video):
    video = make_video(other_user)
    JobCameo.objects.create(job=video.job, cameo=carol_cameo)
    source = resolve_remix_source(user, video.id)
    assert source == RemixSource(video_id=video.id, job_id=video.job_id, cameo_ids=[carol_cameo.id])
    private = make_video(other_user, visibility="private")
    assert resolve_remix_source(user, private.id) is None
    assert resolve_remix_source(user, "not-a-uuid") is None
    assert resolve_remix_source(other_user, make_video(other_user, status="held").id) is None
