"""GET /api/v1/videos/{id}/provenance: the C2PA manifest signed into the video's file, with
the video's own visibility: its author and those who may see it get the Reader's report;
another user's private video, a removed one, or a missing one is a 404 alike."""

import pytest

from feed.models import Video
from feed.services import hide_video
from tests.c2pa_clips import publish, render
from tests.factories import JobFactory, VideoFactory
from tests.generation.clips import write_mp4

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _url(video_id):
    return f"/api/v1/videos/{video_id}/provenance"


@pytest.fixture
def signed_video(user, django_capture_on_commit_callbacks):
    def _make(visibility="public"):
        job = render(user, capture=django_capture_on_commit_callbacks)
        assert job.status == "succeeded", (job.error_code, job.error_message)
        return publish(job, visibility=visibility)

    return _make


def test_owner_and_viewers_get_the_validated_manifest(
    auth_client, user, other_user, signed_video, django_assert_max_num_queries
):
    video = signed_video()
    with django_assert_max_num_queries(6):
        response = auth_client(user).get(_url(video.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["video"] == str(video.pk)
    assert body["validation_state"] == "Trusted"
    active = body["manifests"][body["active_manifest"]]
    assert active["claim_generator_info"][0]["name"] == "Cutaway"
    labels = [a["label"] for a in active["assertions"]]
    assert "c2pa.actions.v2" in labels and "com.cutaway.generation" in labels
    assert body["validation_results"]["activeManifest"]["failure"] == []
    # a public video: anyone signed in who sees it sees its credentials
    assert auth_client(other_user).get(_url(video.pk)).json() == body


def test_another_users_private_video_is_404(auth_client, user, other_user, signed_video):
    video = signed_video(visibility="private")
    assert auth_client(user).get(_url(video.pk)).status_code == 200
    response = auth_client(other_user).get(_url(video.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_removed_video_is_404_for_everyone(auth_client, user, other_user, signed_video):
    video = signed_video()
    hide_video(video, status=Video.Status.REMOVED, reason="spam")
    for viewer in (user, other_user):
        response = auth_client(viewer).get(_url(video.pk))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_anonymous_and_unknown_ids(api_client, auth_client, user):
    assert api_client.get(_url("8c3e2e58-4b8f-4a36-9d57-000000000000")).status_code == 401
    response = auth_client(user).get(_url("8c3e2e58-4b8f-4a36-9d57-000000000000"))
    assert response.status_code == 404


def test_a_clip_from_before_signing_has_no_manifest(auth_client, user, tmp_path):
    unsigned = write_mp4(tmp_path / "old.mp4", seconds=1, size=(320, 568)).read_bytes()
    video = VideoFactory(author=user, job=JobFactory(user=user, stored=unsigned))
    response = auth_client(user).get(_url(video.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "provenance_not_found"
