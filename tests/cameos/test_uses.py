"""cameos/me/uses: the owner sees every job and video using their cameo and can remove one."""

import itertools
import uuid

import pytest

from accounts.models import ConsentEvent, Notification
from accounts.services import cameos
from feed.models import Video
from feed.services import publish_video
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db

USES = "/api/v1/cameos/me/uses"
_n = itertools.count(1)


@pytest.fixture
def job_with(db):
    """job_with(author, cameo, status=...) → a job using `cameo` (rows only, nothing rendered)."""

    def _make(author, cameo, *, status="succeeded"):
        n = next(_n)
        job = GenerationJob.objects.create(
            user=author,
            status=status,
            prompt=f"@{cameo.owner.handle} surfing #{n}",
            seconds=8,
            video_file=f"videos/use{n}.mp4" if status == "succeeded" else "",
            probe={"duration": 8.0, "width": 720, "height": 1280},
        )
        JobCameo.objects.create(job=job, cameo=cameo)
        return job

    return _make


@pytest.fixture
def shared(user, other_user, make_cameo):
    """Alice's cameo under `approved`, granted to Bob."""
    cameo = make_cameo(user, permission="approved")
    cameos.grant_cameo(user, other_user)
    return cameo


def test_owner_sees_others_drafts_and_published_videos(
    user, other_user, shared, job_with, auth_client
):
    draft = job_with(other_user, shared, status="queued")
    done = job_with(other_user, shared)
    video = publish_video(other_user, done, caption="with alice")
    body = auth_client(user).get(USES).json()
    rows = {row["job"]: row for row in body["results"]}
    assert set(rows) == {str(draft.id), str(done.id)}
    assert rows[str(draft.id)] == {
        "job": str(draft.id),
        "author": "bob",
        "status": "queued",
        "prompt": draft.prompt,
        "created_at": rows[str(draft.id)]["created_at"],
        "video": None,
    }
    assert rows[str(done.id)]["video"] == {"id": str(video.id), "status": "published"}


def test_another_user_does_not_see_my_uses(
    user, other_user, make_user, shared, job_with, auth_client
):
    job_with(other_user, shared)
    carol = make_user("carol")
    assert auth_client(carol).get(USES).json()["results"] == []
    # Bob authored the job but does not own the cameo: not in his uses either.
    assert auth_client(other_user).get(USES).json()["results"] == []


def test_uses_query_budget(
    user, make_user, make_cameo, job_with, auth_client, django_assert_max_num_queries
):
    cameo = make_cameo(user, permission="everyone")
    for index in range(6):
        author = make_user(f"fan{index}")
        job = job_with(author, cameo)
        if index % 2:
            publish_video(author, job)
    client = auth_client(user)
    with django_assert_max_num_queries(3):
        response = client.get(USES)
    assert len(response.json()["results"]) == 6


def test_owner_removes_a_use(user, other_user, shared, job_with, auth_client):
    video = publish_video(other_user, job_with(other_user, shared))
    response = auth_client(user).post(f"{USES}/{video.id}/remove")
    assert response.status_code == 204
    video.refresh_from_db()
    assert video.status == Video.Status.TAKEN_DOWN
    event = ConsentEvent.objects.filter(owner=user).order_by("-seq").first()
    assert (event.action, event.data) == ("use_removed", {"video_id": str(video.id)})
    note = Notification.objects.get(recipient=other_user, kind="cameo_use_removed")
    assert note.actor == user
    assert note.data["video"] == str(video.id)
    # Idempotent: no second event, no second notification.
    assert auth_client(user).post(f"{USES}/{video.id}/remove").status_code == 204
    assert ConsentEvent.objects.filter(owner=user, action="use_removed").count() == 1


def test_removing_a_video_that_does_not_use_my_cameo_is_404(
    user, other_user, make_user, shared, make_cameo, job_with, auth_client
):
    carol = make_user("carol")
    carols = make_cameo(carol, permission="everyone")
    video = publish_video(other_user, job_with(other_user, carols))
    assert auth_client(user).post(f"{USES}/{video.id}/remove").status_code == 404
    assert auth_client(user).post(f"{USES}/{uuid.uuid4()}/remove").status_code == 404
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED


def test_another_user_cannot_remove_a_use_of_my_cameo(
    user, other_user, make_user, shared, job_with, auth_client
):
    video = publish_video(other_user, job_with(other_user, shared))
    for intruder in (other_user, make_user("carol")):
        assert auth_client(intruder).post(f"{USES}/{video.id}/remove").status_code == 404
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED
    assert not ConsentEvent.objects.filter(action="use_removed").exists()


def test_uses_need_authentication(api_client, db):
    assert api_client.get(USES).status_code == 401
    assert api_client.post(f"{USES}/{uuid.uuid4()}/remove").status_code == 401


def test_publishing_after_the_grant_was_withdrawn_is_403_and_the_refusal_is_on_the_ledger(
    user, other_user, shared, job_with, auth_client
):
    """publish_video rolls its transaction back on the refusal; the API exception handler
    writes the `use_refused` event again, so the owner's ledger still shows the attempt."""
    job = job_with(other_user, shared)
    cameos.revoke_cameo_grant(user, other_user)
    response = auth_client(other_user).post(
        "/api/v1/videos", {"generation": str(job.id)}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "cameo_permission_denied"
    assert "@alice" in response.json()["detail"]
    assert not Video.objects.filter(job=job).exists()
    refused = ConsentEvent.objects.get(owner=user, action="use_refused")
    assert refused.data == {"context": "publish", "reason": "not_approved"}
    assert refused.actor_handle == "bob"
    from accounts.ledger import verify_ledger

    assert verify_ledger(user)


@pytest.mark.parametrize("status", ["queued", "rendering", "succeeded"])
def test_owner_removes_an_unpublished_draft_by_its_job_id(
    status, user, other_user, shared, job_with, auth_client
):
    draft = job_with(other_user, shared, status=status)
    response = auth_client(user).post(f"{USES}/{draft.id}/remove")
    assert response.status_code == 204
    draft.refresh_from_db()
    assert (draft.status, draft.error_code) == ("cancelled", "cameo_use_removed")
    assert draft.video_file == ""
    event = ConsentEvent.objects.filter(owner=user).order_by("-seq").first()
    assert (event.action, event.data) == ("use_removed", {"video_id": str(draft.id)})
    note = Notification.objects.get(recipient=other_user, kind="cameo_use_removed")
    assert note.data["job"] == str(draft.id)
    # The draft can no longer be published, and removing it again changes nothing.
    publish = auth_client(other_user).post("/api/v1/videos", {"generation": str(draft.id)})
    assert (publish.status_code, publish.json()["code"]) == (403, "cameo_use_withdrawn")
    assert not Video.objects.filter(job=draft).exists()
    assert auth_client(user).post(f"{USES}/{draft.id}/remove").status_code == 204
    assert ConsentEvent.objects.filter(owner=user, action="use_removed").count() == 1


def test_another_user_cannot_remove_a_draft_using_my_cameo(
    user, other_user, make_user, shared, job_with, auth_client
):
    draft = job_with(other_user, shared, status="queued")
    for intruder in (other_user, make_user("carol")):
        assert auth_client(intruder).post(f"{USES}/{draft.id}/remove").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "queued"
    assert not ConsentEvent.objects.filter(action="use_removed").exists()


def test_a_job_that_does_not_use_my_cameo_cannot_be_removed(
    user, other_user, make_user, make_cameo, job_with, auth_client
):
    carols = make_cameo(make_user("carol"), permission="everyone")
    draft = job_with(other_user, carols, status="queued")
    assert auth_client(user).post(f"{USES}/{draft.id}/remove").status_code == 404
    draft.refresh_from_db()
    assert draft.status == "queued"


def test_a_draft_withdrawn_by_revocation_cannot_be_published(
    user, other_user, shared, job_with, auth_client
):
    draft = job_with(other_user, shared)
    assert auth_client(user).delete("/api/v1/cameos/me").status_code == 204
    publish = auth_client(other_user).post("/api/v1/videos", {"generation": str(draft.id)})
    assert (publish.status_code, publish.json()["code"]) == (403, "cameo_use_withdrawn")
    assert not Video.objects.filter(job=draft).exists()
