"""Deactivation takes the person's likeness down (issue 12, finding 5): accounts'
`deactivate_user` service revokes consent exactly like `DELETE cameos/me`; the admin uses it."""

import pytest

from accounts.models import Cameo, ConsentEvent
from accounts.services.lifecycle import deactivate_user
from config import storage
from feed.models import Video
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(make_user):
    return make_user("carol")


@pytest.fixture
def carol_cameo(carol):
    clip = storage.save_file("cameos/carol-source.mp4", b"carol's face")
    return Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip=clip
    )


@pytest.fixture
def starring_carol(auth_client, other_user, carol_cameo):
    """Bob's published video and his unpublished draft, both using Carol's cameo."""
    jobs = []
    for n in range(2):
        job = GenerationJob.objects.create(
            user=other_user,
            status="succeeded",
            prompt=f"@carol dancing {n}",
            seconds=8,
            video_file=storage.save_file(f"videos/dance{n}.mp4", b"mp4"),
            probe={"duration": 8.0, "width": 720, "height": 1280},
        )
        JobCameo.objects.create(job=job, cameo=carol_cameo)
        jobs.append(job)
    body = (
        auth_client(other_user)
        .post("/api/v1/videos", {"generation": str(jobs[0].id)}, format="json")
        .json()
    )
    return Video.objects.get(pk=body["id"]), jobs[1]


def test_deactivating_a_user_takes_their_likeness_down(
    make_user, carol, carol_cameo, starring_carol, django_capture_on_commit_callbacks
):
    video, draft = starring_carol
    admin = make_user("admin", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert deactivate_user(carol, actor=admin) is True
    carol.refresh_from_db()
    carol_cameo.refresh_from_db()
    assert carol.is_active is False
    assert carol_cameo.status == "revoked"
    assert not storage.file_exists(carol_cameo.source_clip)
    assert Video.objects.get(pk=video.pk).status == "taken_down"
    assert GenerationJob.objects.get(pk=draft.pk).status == "cancelled"
    event = ConsentEvent.objects.filter(cameo=carol_cameo, action="revoked").get()
    assert event.data["reason"] == "account deactivated"
    assert deactivate_user(carol, actor=admin) is False  # once only


def test_deactivated_users_token_stops_working(auth_client, carol, carol_cameo):
    client = auth_client(carol)
    assert client.get("/api/v1/me").status_code == 200
    deactivate_user(carol)
    assert client.get("/api/v1/me").status_code == 401


def test_deactivating_a_user_without_cameo(make_user):
    dave = make_user("dave")
    assert deactivate_user(dave) is True
    dave.refresh_from_db()
    assert not dave.is_active


def test_admin_is_active_toggle_uses_the_service(
    client, make_user, carol, carol_cameo, starring_carol
):
    video, _ = starring_carol
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/accounts/user/{carol.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        groups=[], user_permissions=[], is_active="", date_joined_0="2026-01-01",
        date_joined_1="00:00:00", last_login_0="", last_login_1="",
    )  # fmt: skip
    data = {k: v for k, v in data.items() if k not in ("follower_count", "following_count")}
    data["suspended_until_0"] = data["suspended_until_1"] = ""
    response = client.post(f"/admin/accounts/user/{carol.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    carol_cameo.refresh_from_db()
    assert carol_cameo.status == "revoked"
    assert Video.objects.get(pk=video.pk).status == "taken_down"


def test_admin_action_deactivates(client, make_user, carol, carol_cameo, starring_carol):
    video, _ = starring_carol
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate_selected", "_selected_action": [carol.pk]},
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert not carol.is_active
    assert Video.objects.get(pk=video.pk).status == "taken_down"
