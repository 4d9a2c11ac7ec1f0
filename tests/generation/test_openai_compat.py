"""/v1/videos: the OpenAI Videos API over generation jobs, down to the real `openai` SDK."""

import warnings

import pytest

from generation.models import GenerationJob, QuotaEntry

URL = "/v1/videos"


@pytest.fixture
def bearer(user):
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def compat_client(api_client, bearer):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    return api_client


@pytest.mark.django_db
def test_video_object_shape(compat_client, user, make_job):
    job = make_job(user, status="succeeded", seconds=8, size="1280x720", model="cutaway-local-1")
    body = compat_client.get(f"{URL}/{job.id}").json()
    assert body["id"] == str(job.id)
    assert body["object"] == "video"
    assert body["status"] == "completed"
    assert body["model"] == "cutaway-local-1"
    assert body["seconds"] == "8"
    assert body["size"] == "1280x720"
    assert body["progress"] == 0
    assert isinstance(body["created_at"], int)
    assert isinstance(body["completed_at"], int)
    assert body["error"] is None
    assert body["remixed_from_video_id"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("queued", "queued"),
        ("planning", "in_progress"),
        ("rendering", "in_progress"),
        ("post_processing", "in_progress"),
        ("failed", "failed"),
        ("blocked", "failed"),
        ("cancelled", "failed"),
    ],
)
def test_status_mapping(compat_client, user, make_job, status, expected):
    job = make_job(user, status=status, error_code="x" if status == "failed" else "")
    body = compat_client.get(f"{URL}/{job.id}").json()
    assert body["status"] == expected
    if expected == "failed":
        assert body["error"]["code"]
    else:
        assert body["completed_at"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_create_json_and_multipart(compat_client, user, fmt):
    response = compat_client.post(
        URL, {"prompt": "A paper boat", "seconds": "8", "size": "1280x720"}, format=fmt
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "queued"
    assert body["seconds"] == "8"
    assert GenerationJob.objects.get(pk=body["id"]).user == user
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1


@pytest.mark.django_db
def test_create_with_idempotency_key_replays(compat_client, user):
    first = compat_client.post(URL, {"prompt": "A boat"}, HTTP_IDEMPOTENCY_KEY="k1")
    again = compat_client.post(URL, {"prompt": "A boat"}, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.json()["id"] == again.json()["id"]
    assert GenerationJob.objects.filter(user=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x" * 5000}, "prompt"),
        ({"prompt": "ok", "seconds": "99"}, "seconds"),
        ({"prompt": "ok", "size": "640x480"}, "size"),
    ],
)
def test_bad_create_is_openai_shaped_400(compat_client, user, body, param):
    response = compat_client.post(URL, body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert not GenerationJob.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_quota_exceeded_is_429(compat_client, settings):
    settings.GENERATION_DAILY_LIMIT = 1
    settings.CREDIT_PRICES = {}  # no credits for sale: the daily limit is final
    assert compat_client.post(URL, {"prompt": "one"}, format="json").status_code == 200
    response = compat_client.post(URL, {"prompt": "two"}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "quota_exceeded"


@pytest.mark.django_db
def test_list_pages_with_after(compat_client, user, other_user, make_job):
    jobs = [make_job(user, prompt=f"job {i}") for i in range(5)]
    make_job(other_user)
    first = compat_client.get(URL, {"limit": 2}).json()
    assert first["object"] == "list"
    assert [v["id"] for v in first["data"]] == [str(jobs[4].id), str(jobs[3].id)]
    assert first["has_more"] is True
    rest = compat_client.get(URL, {"limit": 10, "after": first["last_id"]}).json()
    assert [v["id"] for v in rest["data"]] == [str(j.id) for j in reversed(jobs[:3])]
    assert rest["has_more"] is False
    oldest_first = compat_client.get(URL, {"order": "asc", "limit": 1}).json()
    assert oldest_first["data"][0]["id"] == str(jobs[0].id)


@pytest.mark.django_db
def test_list_query_budget(compat_client, user, make_job, django_assert_max_num_queries):
    for i in range(20):
        make_job(user, prompt=f"job {i}")
    with django_assert_max_num_queries(3):
        response = compat_client.get(URL, {"limit": 20})
    assert len(response.json()["data"]) == 20


@pytest.mark.django_db
@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_list_bad_limit(compat_client, limit):
    response = compat_client.get(URL, {"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "{url}/{id}"),
        ("delete", "{url}/{id}"),
        ("get", "{url}/{id}/content"),
        ("post", "{url}/{id}/remix"),
    ],
)
def test_another_users_video_is_404(compat_client, other_user, make_job, method, path):
    job = make_job(other_user, status="succeeded")
    response = getattr(compat_client, method)(
        path.format(url=URL, id=job.id), {"prompt": "mine now"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert GenerationJob.objects.filter(pk=job.id).exists()
    assert GenerationJob.objects.count() == 1


@pytest.mark.django_db
def test_unauthenticated_is_401(api_client):
    assert api_client.get(URL).status_code == 401


@pytest.mark.django_db
def test_content_of_unfinished_job_is_409(compat_client, user, make_job):
    job = make_job(user, status="rendering")
    response = compat_client.get(f"{URL}/{job.id}/content")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "video_not_ready"


@pytest.mark.django_db
def test_content_bad_variant_is_400(compat_client, user, make_job):
    job = make_job(user, status="succeeded")
    response = compat_client.get(f"{URL}/{job.id}/content", {"variant": "poster"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_delete_unfinished_job_cancels_refunds_and_deletes(compat_client, user):
    job_id = compat_client.post(URL, {"prompt": "A boat"}, format="json").json()["id"]
    response = compat_client.delete(f"{URL}/{job_id}")
    assert response.json() == {"id": job_id, "object": "video.deleted", "deleted": True}
    assert not GenerationJob.objects.filter(pk=job_id).exists()


@pytest.mark.django_db
def test_delete_published_job_is_409(compat_client, user, make_job):
    from feed.models import Video

    job = make_job(user, status="succeeded")
    Video.objects.create(job=job, author=user)
    response = compat_client.delete(f"{URL}/{job.id}")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "job_published"
    assert GenerationJob.objects.filter(pk=job.id).exists()


@pytest.mark.django_db
def test_remix_of_unfinished_job_is_409(compat_client, user, make_job):
    job = make_job(user, status="queued")
    response = compat_client.post(f"{URL}/{job.id}/remix", {"prompt": "again"}, format="json")
    assert response.status_code == 409


# --- the real SDK against a live server ---------------------------------------------------


def _probe_bytes(data: bytes, tmp_path):
    from media.probe import probe_video

    path = tmp_path / "sdk.mp4"
    path.write_bytes(data)
    return probe_video(path, require_audio=True)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_openai_sdk_create_and_poll_then_download(live_server, bearer, user, tmp_path):
    from openai import OpenAI

    client = OpenAI(base_url=live_server.url + "/v1", api_key=bearer, max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        video = client.videos.create_and_poll(
            prompt="Shot 1: a paper boat on a stream. Shot 2: it reaches the sea.",
            seconds="4",
            size="720x1280",
            poll_interval_ms=100,
        )
        assert video.status == "completed", video.error
        assert video.object == "video"
        assert video.seconds == "4"
        assert video.size == "720x1280"
        assert video.progress == 100
        assert video.completed_at is not None

        content = client.videos.download_content(video.id)
        probe = _probe_bytes(content.content, tmp_path)
        assert probe.has_audio
        assert (probe.width, probe.height) == (720, 1280)

        thumbnail = client.videos.download_content(video.id, variant="thumbnail")
        assert thumbnail.content[:2] == b"\xff\xd8"

        listed = client.videos.list(limit=10)
        assert [v.id for v in listed.data] == [video.id]

        remix = client.videos.remix(video.id, prompt="The same boat, at night.")
        assert remix.remixed_from_video_id == video.id
        remix = client.videos.poll(remix.id, poll_interval_ms=100)
        assert remix.status == "completed"

        deleted = client.videos.delete(video.id)
        assert deleted.deleted is True
    assert not GenerationJob.objects.filter(pk=video.id).exists()
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 2
