"""Files follow their object (issue 12, finding 2): once a video is taken down, removed or
deleted, no URL a client kept serves its bytes, the job view hands out none, and `/v1` content
is 404. Permanent takedowns also delete the files; a moderator removal keeps them for restore."""

import urllib.request

import pytest

from accounts.models import Cameo
from accounts.services.cameos import revoke_cameo_consent
from config import storage
from generation.models import JobCameo
from moderation.services import take_moderation_action
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_cameo(make_user):
    carol = make_user("carol")
    return Cameo.objects.create(
        owner=carol, status="active", permission="everyone", source_clip="cameos/carol.mp4"
    )


@pytest.fixture
def published(auth_client, other_user, carol_cameo):
    """Bob publishes a job starring Carol, with real stored files; returns (video json, job)."""
    job = JobFactory(user=other_user, prompt="@carol on a beach", stored=b"mp4 bytes")
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    response = auth_client(other_user).post(
        "/api/v1/videos", {"generation": str(job.id)}, format="json"
    )
    assert response.status_code == 201
    return response.json(), job


def _revoke(client_for, carol, video_id, moderator):
    revoke_cameo_consent(carol)


def _remove_use(client_for, carol, video_id, moderator):
    response = client_for(carol).post(f"/api/v1/cameos/me/uses/{video_id}/remove")
    assert response.status_code == 204


def _author_deletes(client_for, carol, video_id, moderator):
    from feed.models import Video

    author = Video.objects.get(pk=video_id).author
    assert client_for(author).delete(f"/api/v1/videos/{video_id}").status_code == 204


def _moderator_removes(client_for, carol, video_id, moderator):
    from feed.models import Video

    take_moderation_action(moderator, Video.objects.get(pk=video_id), "remove", "spam")


PERMANENT = [_revoke, _remove_use, _author_deletes]
TAKEDOWNS = [*PERMANENT, _moderator_removes]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("take_down", TAKEDOWNS, ids=lambda f: f.__name__.strip("_"))
def test_signed_url_fetched_before_revocation_stops_serving(
    client, auth_client, make_user, published, carol_cameo, take_down,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    video, _ = published
    url = video["video_url"]
    thumb = video["thumbnail_url"]
    assert _body(client.get(url)) == b"mp4 bytes"  # anyone holding the URL, before
    with django_capture_on_commit_callbacks(execute=True):
        take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    assert client.get(url).status_code == 404
    assert client.get(thumb).status_code == 404


@pytest.mark.parametrize("take_down", TAKEDOWNS, ids=lambda f: f.__name__.strip("_"))
def test_job_view_hides_url_after_use_removed(
    auth_client, make_user, other_user, published, carol_cameo, take_down
):
    video, job = published
    client = auth_client(other_user)
    assert client.get(f"/api/v1/generations/{job.id}").json()["video_url"]
    take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    body = client.get(f"/api/v1/generations/{job.id}").json()
    assert body["video_url"] is None and body["thumbnail_url"] is None
    listed = client.get("/api/v1/generations").json()["results"]
    assert [j["video_url"] for j in listed if j["id"] == str(job.id)] == [None]


@pytest.mark.parametrize("take_down", TAKEDOWNS, ids=lambda f: f.__name__.strip("_"))
def test_v1_content_404_after_revocation(
    auth_client, make_user, other_user, published, carol_cameo, take_down
):
    video, job = published
    client = auth_client(other_user)
    before = client.get(f"/v1/videos/{job.id}/content")
    assert before.status_code == 200 and _body(before) == b"mp4 bytes"
    take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    assert client.get(f"/v1/videos/{job.id}/content").status_code == 404
    assert client.get(f"/v1/videos/{job.id}/content?variant=thumbnail").status_code == 404


@pytest.mark.parametrize("take_down", PERMANENT, ids=lambda f: f.__name__.strip("_"))
def test_permanent_takedown_deletes_the_files(
    auth_client, make_user, published, carol_cameo, take_down, django_capture_on_commit_callbacks
):
    video, job = published
    with django_capture_on_commit_callbacks(execute=True):
        take_down(auth_client, carol_cameo.owner, video["id"], make_user("mod", is_staff=True))
    assert not storage.file_exists(job.video_file)
    assert not storage.file_exists(job.thumbnail_file)


def test_moderator_removal_keeps_files_and_restore_serves_again(
    client, make_user, published, django_capture_on_commit_callbacks
):
    from feed.models import Video

    video, job = published
    moderator = make_user("mod", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        take_moderation_action(moderator, Video.objects.get(pk=video["id"]), "remove", "spam")
    assert storage.file_exists(job.video_file)
    assert client.get(video["video_url"]).status_code == 404
    take_moderation_action(moderator, Video.objects.get(pk=video["id"]), "restore", "mistake")
    assert _body(client.get(video["video_url"])) == b"mp4 bytes"


def test_console_url_serves_staff_only(client, make_user, published):
    """The console's URL keeps a removed video reviewable for staff, and nobody else."""
    from config.storage import object_file_url
    from generation.services.publishing import job_file_ref

    _, job = published
    url = object_file_url(job.video_file, ref=job_file_ref(job.id), staff=True)
    assert client.get(url).status_code == 404
    client.force_login(make_user("mod", is_staff=True))
    assert _body(client.get(url)) == b"mp4 bytes"


def test_s3_url_redirects_to_short_presigned_url_until_revoked(
    s3_storage, client, auth_client, other_user, carol_cameo, settings
):
    """On the real S3 endpoint (moto server): the API's URL is a Cutaway /files URL that
    redirects to a presigned URL living STORAGE_REDIRECT_SECONDS; after revocation, 404."""
    job = JobFactory(user=other_user, prompt="@carol in the snow", stored=b"s3 mp4")
    JobCameo.objects.create(job=job, cameo=carol_cameo)
    video = (
        auth_client(other_user)
        .post("/api/v1/videos", {"generation": str(job.id)}, format="json")
        .json()
    )
    url = video["video_url"]
    assert "/files/" in url and not url.startswith(s3_storage)
    response = client.get(url)
    assert response.status_code == 302
    presigned = response["Location"]
    assert presigned.startswith(s3_storage)
    assert f"X-Amz-Expires={settings.STORAGE_REDIRECT_SECONDS}" in presigned
    with urllib.request.urlopen(presigned, timeout=10) as fetched:  # noqa: S310 - loopback
        assert fetched.read() == b"s3 mp4"
    revoke_cameo_consent(carol_cameo.owner)
    assert client.get(url).status_code == 404


def test_v1_content_answers_ranges_while_shown(auth_client, other_user, published):
    _, job = published
    response = auth_client(other_user).get(f"/v1/videos/{job.id}/content", HTTP_RANGE="bytes=0-2")
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 0-2/9"
    assert _body(response) == b"mp4"
