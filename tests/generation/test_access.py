"""Reading and cancelling jobs: only the caller's, 404 for everyone else's."""

import uuid

import pytest

from generation.models import GenerationJob, QuotaEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/generations"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "{url}/{id}"), ("post", "{url}/{id}/cancel")],
)
def test_another_users_job_is_404(auth_client, user, other_user, make_job, method, path):
    job = make_job(other_user)
    response = getattr(auth_client(user), method)(path.format(url=URL, id=job.id))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    job.refresh_from_db()
    assert job.status == "queued"


@pytest.mark.parametrize("job_id", ["not-a-uuid", str(uuid.uuid4())])
def test_unknown_or_malformed_id_is_404(alice_client, job_id):
    assert alice_client.get(f"{URL}/{job_id}").status_code == 404
    assert alice_client.post(f"{URL}/{job_id}/cancel").status_code == 404


def test_list_shows_only_own_jobs_newest_first(auth_client, user, other_user, make_job):
    mine = [make_job(user, prompt=f"mine {i}") for i in range(3)]
    make_job(other_user, prompt="theirs")
    response = auth_client(user).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"next", "previous", "results"}
    assert [j["id"] for j in body["results"]] == [str(j.id) for j in reversed(mine)]


def test_list_is_cursor_paginated(alice_client, user, make_job):
    for i in range(5):
        make_job(user, prompt=f"job {i}")
    first = alice_client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2
    second = alice_client.get(first["next"]).json()
    assert len(second["results"]) == 2
    assert not {j["id"] for j in first["results"]} & {j["id"] for j in second["results"]}


def test_list_query_budget(
    alice_client, user, make_user, make_job, make_cameo, django_assert_max_num_queries
):
    from generation.models import JobCameo, JobParent

    cameos = [make_cameo(make_user(f"star{i}")) for i in range(3)]
    for i in range(15):
        job = make_job(user, status="succeeded" if i % 2 else "queued")
        JobCameo.objects.create(job=job, cameo=cameos[i % 3])
    for _ in range(4):  # derived jobs: their parents come in one more query, not one per job
        JobParent.objects.create(
            job=make_job(user, status="queued"), parent=job, relation="stitch_part"
        )
    # auth user + jobs page + job_cameos + cameos + owners + parent links
    with django_assert_max_num_queries(7):
        response = alice_client.get(URL)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 19
    assert sum(bool(j["parents"]) for j in response.json()["results"]) == 4
    assert sum(bool(j["cameos"]) for j in response.json()["results"]) == 15


def test_detail_fields(alice_client, user, make_job):
    job = make_job(user, status="succeeded", thumbnail_file="clips/x/thumbnail.jpg")
    body = alice_client.get(f"{URL}/{job.id}").json()
    for field in (
        "id",
        "status",
        "progress",
        "prompt",
        "seconds",
        "aspect",
        "provider",
        "storyboard",
        "cameos",
        "error",
        "video_url",
        "thumbnail_url",
        "created_at",
        "finished_at",
    ):
        assert field in body
    assert "/files/" in body["video_url"]
    assert "/files/" in body["thumbnail_url"]


def test_cancel_queued_job_refunds_once(alice_client, user, post_generation):
    job_id = post_generation(alice_client, {"prompt": "A lighthouse"}).json()["id"]
    response = alice_client.post(f"{URL}/{job_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["error"]["code"] == "cancelled"
    again = alice_client.post(f"{URL}/{job_id}/cancel")
    assert again.status_code == 409
    assert again.json()["code"] == "job_finished"
    entries = QuotaEntry.objects.filter(job_id=job_id)
    assert sorted(entries.values_list("kind", flat=True)) == ["charge", "refund"]


@pytest.mark.parametrize("status", ["succeeded", "failed", "blocked", "cancelled"])
def test_cancel_finished_job_is_409(alice_client, user, make_job, status):
    job = make_job(user, status=status)
    response = alice_client.post(f"{URL}/{job.id}/cancel")
    assert response.status_code == 409
    assert response.json()["code"] == "job_finished"
    assert GenerationJob.objects.get(pk=job.id).status == status


def test_quota_endpoint(alice_client, settings):
    body = alice_client.get("/api/v1/me/quota").json()
    assert body["daily_limit"] == settings.GENERATION_DAILY_LIMIT
    assert body["used_today"] == 0
    assert body["resets_at"].endswith(("Z", "+00:00"))


def test_storyboard_plan(alice_client):
    response = alice_client.post(
        "/api/v1/storyboards/plan",
        {"text": "Shot 1: a fox sleeps. Shot 2: the fox wakes and runs.", "seconds": 8},
        format="json",
    )
    assert response.status_code == 200, response.content
    shots = response.json()["shots"]
    assert len(shots) == 2
    assert abs(sum(s["seconds"] for s in shots) - 8) < 0.01
    for shot in shots:
        assert {"index", "seconds", "camera", "subject", "action", "dialogue", "caption"} <= set(
            shot
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5000}, "text"),
        ({"text": "a", "seconds": 2}, "seconds"),
    ],
)
def test_storyboard_plan_bad_input(alice_client, body, field):
    response = alice_client.post("/api/v1/storyboards/plan", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
