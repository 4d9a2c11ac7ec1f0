from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from feed.models import Video


def publish(client, job, **body):
    return client.post("/api/v1/videos", {"generation": str(job.id), **body}, format="json")


def test_publish_succeeded_job_returns_201_with_location(auth_client, user, make_job):
    job = make_job(user)
    response = publish(auth_client(user), job, caption="  hello  ", visibility="followers")
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/v1/videos/{body['id']}"
    assert body["caption"] == "hello"
    assert body["visibility"] == "followers"
    assert body["status"] == "published"
    assert (body["duration"], body["width"], body["height"]) == (8.0, 720, 1280)
    assert body["video_url"] and body["thumbnail_url"]
    assert body["author"]["handle"] == "alice"
    assert body["liked_by_me"] is False
    video = Video.objects.get(pk=body["id"])
    assert video.hot_base > 0 and video.hot_score == pytest.approx(video.hot_base)


def test_publishing_another_users_job_is_404_naming_generation(
    auth_client, user, other_user, make_job
):
    job = make_job(other_user)
    response = publish(auth_client(user), job)
    assert response.status_code == 404
    assert "generation" in response.json()
    assert not Video.objects.exists()


def test_unknown_or_malformed_generation(auth_client, user):
    client = auth_client(user)
    assert client.post("/api/v1/videos", {"generation": "nope"}).status_code == 400
    response = client.post("/api/v1/videos", {"generation": "8c3e2e58-4b8f-4a36-9d57-000000000000"})
    assert response.status_code == 404


def test_unfinished_job_cannot_be_published(auth_client, user, make_job):
    job = make_job(user, status="rendering")
    response = publish(auth_client(user), job)
    assert response.status_code == 400
    assert "generation" in response.json()


def test_job_published_once(auth_client, user, make_job):
    job = make_job(user)
    client = auth_client(user)
    assert publish(client, job).status_code == 201
    response = publish(client, job)
    assert response.status_code == 409
    assert response.json()["code"] == "already_published"
    assert Video.objects.count() == 1


def test_suspended_user_cannot_publish(auth_client, user, make_job):
    user.suspended_until = timezone.now() + timedelta(days=1)
    user.save()
    response = publish(auth_client(user), make_job(user))
    assert response.status_code == 403
    assert response.json()["code"] == "account_suspended"
    assert not Video.objects.exists()


def test_bad_visibility_and_caption(auth_client, user, make_job):
    client = auth_client(user)
    job = make_job(user)
    assert publish(client, job, visibility="everyone").status_code == 400
    response = publish(client, job, caption="x" * 501)
    assert response.status_code == 400
    assert "caption" in response.json()
    assert publish(client, job, caption="a\x00b").status_code == 400
    assert not Video.objects.exists()


@pytest.mark.parametrize("stage", ["prompt", "output"])
def test_policy_hold_publishes_as_held(auth_client, user, other_user, make_job, stage):
    job = make_job(user, policy={stage: {"decision": "hold", "code": "x", "reason": "review"}})
    response = publish(auth_client(user), job)
    assert response.status_code == 201
    assert response.json()["status"] == "held"
    # The author sees it, nobody else does.
    assert auth_client(user).get(f"/api/v1/videos/{response.json()['id']}").status_code == 200
    assert auth_client(other_user).get(f"/api/v1/videos/{response.json()['id']}").status_code == 404


def test_remix_links_source_counts_and_notifies(
    auth_client, user, other_user, make_job, make_video
):
    source = make_video(other_user)
    job = make_job(user, remix_of=source.id)
    response = publish(auth_client(user), job)
    assert response.status_code == 201
    assert response.json()["remix_of"] == str(source.id)
    source.refresh_from_db()
    assert source.remix_count == 1
    assert source.hot_score > source.hot_base  # engagement now counts the remix
    assert Notification.objects.filter(
        recipient=other_user, actor=user, kind=Notification.Kind.REMIX
    ).exists()
    remixes = auth_client(other_user).get(f"/api/v1/videos/{source.id}/remixes").json()
    assert [v["id"] for v in remixes["results"]] == [response.json()["id"]]
