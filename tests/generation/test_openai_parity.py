"""/v1/videos parity with the installed `openai` SDK (issue 17): `videos.edit` as the SDK
sends it, `model` checked against /v1/models, `expires_at`, `openai-poll-after-ms`,
`x-request-id` on every answer, and route order (no collection path is parsed as an id)."""

import time
import warnings
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve

from generation.models import GenerationJob, QuotaEntry
from generation.openai_compat import views as compat_views

URL = "/v1/videos"
# Every collection path under /v1/videos the SDK calls (extensions and characters belong to
# other lanes: on a branch without them they must still never reach the {id} views).
COLLECTION_PATHS = ("edits", "extensions", "characters")
ID_VIEWS = (
    compat_views.VideoDetailView,
    compat_views.VideoContentView,
    compat_views.VideoRemixView,
)


def _bearer(user) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(user))


@pytest.fixture
def compat(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_bearer(user)}")
    return api_client


def _done(make_job, user, **fields):
    return make_job(user, status="succeeded", video_file="clips/x/1/video.mp4", **fields)


@pytest.mark.parametrize("name", COLLECTION_PATHS)
def test_no_collection_path_resolves_to_an_id_view(name):
    for path in (f"{URL}/{name}", f"{URL}/{name}/content", f"{URL}/{name}/remix"):
        try:
            match = resolve(path)
        except Resolver404:
            continue  # not served on this branch: the JSON 404 of an unknown path
        assert getattr(match.func, "view_class", None) not in ID_VIEWS, path


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "delete", "patch"])
def test_videos_edits_answers_for_itself_with_every_method(compat, user, method):
    response = getattr(compat, method)(f"{URL}/edits", {}, format="json")
    if method == "post":
        assert response.status_code == 400  # its own validation, not the {id} view's 404
        assert response.json()["error"]["param"] in ("prompt", "video")
    else:
        assert response.status_code == 405
        assert response["Allow"].split(", ")[0] == "POST"
        assert "DELETE" not in response["Allow"]  # the {id} view allows GET and DELETE
    assert response["X-Request-ID"]


@pytest.mark.django_db
def test_ids_still_route_and_a_malformed_id_is_the_json_404(compat, user, make_job):
    job = _done(make_job, user)
    assert compat.get(f"{URL}/{job.pk}").json()["id"] == str(job.pk)
    response = compat.get(f"{URL}/video_123abc")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_edit_by_id_creates_a_job_from_the_source(compat, user, make_job):
    source = _done(make_job, user, seconds=8, size="1280x720", seed=41)
    response = compat.post(
        f"{URL}/edits", {"prompt": "the same, at night", "video[id]": str(source.pk)},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "queued" and body["seconds"] == "8" and body["size"] == "1280x720"
    assert response["openai-poll-after-ms"] == "1000"
    job = GenerationJob.objects.get(pk=body["id"])
    assert (job.seed, job.prompt) == (41, "the same, at night")
    assert job.provenance["edited_from"] == str(source.pk)
    assert QuotaEntry.objects.filter(job=job, kind="charge").count() == 1
    as_json = compat.post(
        f"{URL}/edits", {"prompt": "p", "video": {"id": str(source.pk)}}, format="json"
    )
    assert as_json.status_code == 200


@pytest.mark.django_db
def test_edit_refuses_others_unfinished_and_bad_input(
    compat, user, other_user, make_job, auth_client
):
    bobs = _done(make_job, other_user)
    running = make_job(user, status="rendering")
    cases = [
        ({"prompt": "p", "video[id]": str(bobs.pk)}, 404, None),
        ({"prompt": "p", "video[id]": "nope"}, 404, None),
        ({"prompt": "p", "video[id]": str(running.pk)}, 409, None),
        ({"video[id]": str(bobs.pk)}, 400, "prompt"),
        ({"prompt": "p"}, 400, "video"),
        ({"prompt": "p" * 5000, "video[id]": str(bobs.pk)}, 400, "prompt"),
    ]
    for body, status, param in cases:
        response = compat.post(f"{URL}/edits", body, format="multipart")
        assert response.status_code == status, (body, response.json())
        assert response.json()["error"]["param"] == param
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert not QuotaEntry.objects.exists()


@pytest.mark.django_db
def test_edit_asks_the_content_gate_and_consent_again(
    compat, user, other_user, make_job, make_cameo, settings
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    source = _done(make_job, user)
    body = {"prompt": "a dragon", "video": {"id": str(source.pk)}}
    response = compat.post(f"{URL}/edits", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "failed"
    cameo = make_cameo(other_user, permission="everyone")
    source.job_cameos.create(cameo=cameo)
    cameo.permission = "only_me"
    cameo.save(update_fields=["permission"])
    body = {"prompt": "a walk", "video": {"id": str(source.pk)}}
    response = compat.post(f"{URL}/edits", body, format="json")
    assert response.status_code == 403
    assert not QuotaEntry.objects.exists()


def _clip(tmp_path, name: str, picture) -> Path:
    """A 4 s, 12 fps MP4 of `picture` (an RGB array) drifting sideways, with sound."""
    import numpy as np

    from tests.clips import write_clip

    height, width = picture.shape[:2]
    return write_clip(
        tmp_path / name,
        lambda i: np.roll(picture, i * 2, axis=1),
        count=48,
        fps=12,
        size=(width, height),
    )


def _landscape():
    import numpy as np

    picture = np.zeros((180, 320, 3), np.uint8)
    picture[:120] = (120, 170, 230)  # sky
    picture[120:] = (20, 70, 140)  # sea
    picture[130:150, 100:180] = (110, 60, 30)  # a boat
    return picture


def _portrait():
    """A public-domain portrait (Grace Hopper, matplotlib's sample data) as an even-sized
    RGB array."""
    import numpy as np
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as image:
        return np.asarray(image.convert("RGB").resize((384, 480)))


@pytest.mark.django_db
def test_edit_of_an_uploaded_clip_is_checked_before_anything_is_charged(compat, user, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload(path_or_bytes, name="clip.mp4"):
        data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
        return SimpleUploadedFile(name, data, content_type="video/mp4")

    scenery = _clip(tmp_path, "sea.mp4", _landscape())
    response = compat.post(
        f"{URL}/edits", {"prompt": "the sea at dawn", "video": upload(scenery)}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["seconds"], body["size"]) == ("4", "1280x720")
    job = GenerationJob.objects.get(pk=body["id"])
    assert len(job.provenance["edited_upload_sha256"]) == 64
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 1

    face = _clip(tmp_path, "face.mp4", _portrait())
    refused = [
        (upload(face), "video_has_face"),
        (upload(b"not a video at all, just text"), None),
        (upload(b""), None),
    ]
    for file, code in refused:
        response = compat.post(f"{URL}/edits", {"prompt": "p", "video": file}, format="multipart")
        assert response.status_code == 400, response.json()
        assert response.json()["error"]["param"] == "video"
        if code:
            assert response.json()["code"] == code
    assert GenerationJob.objects.filter(user=user).count() == 1
    assert QuotaEntry.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_an_unknown_model_is_400_naming_model(compat, user):
    response = compat.post(URL, {"prompt": "a boat", "model": "sora-9"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "model"
    assert not GenerationJob.objects.exists()
    models = compat.get("/v1/models").json()["data"]
    known = compat.post(URL, {"prompt": "a boat", "model": models[0]["id"]}, format="json")
    assert known.status_code == 200


@pytest.mark.django_db
def test_expires_at_is_the_file_urls_expiry_and_poll_header_only_while_unfinished(
    compat, user, make_job, settings
):
    settings.STORAGE_URL_EXPIRES = 600
    done = _done(make_job, user)
    queued = make_job(user, status="queued")
    failed = make_job(user, status="failed", error_code="x")
    before = int(time.time())
    response = compat.get(f"{URL}/{done.pk}")
    assert before + 600 <= response.json()["expires_at"] <= int(time.time()) + 600
    assert "openai-poll-after-ms" not in response
    for job in (queued, failed):
        response = compat.get(f"{URL}/{job.pk}")
        assert response.json()["expires_at"] is None
        assert ("openai-poll-after-ms" in response) is (job is queued)
    listed = compat.get(URL).json()["data"]
    assert {v["id"]: v["expires_at"] is not None for v in listed}[str(done.pk)] is True


@pytest.mark.django_db
def test_every_v1_answer_carries_a_request_id(compat, user, client):
    answers = [
        compat.get("/v1/models"),
        compat.get(URL),
        compat.get(f"{URL}/not-a-uuid"),
        compat.post(URL, {}, format="json"),
        compat.get(f"{URL}/edits"),
        compat.post(f"{URL}/edits", {}, format="json"),
        client.get(URL),  # no credentials: 401
    ]
    for response in answers:
        assert len(response["X-Request-ID"]) >= 8, response


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_sdk_edits_a_video_and_sees_its_model_checked(live_server, user, other_user, tmp_path):
    import openai
    from openai import OpenAI

    client = OpenAI(base_url=live_server.url + "/v1", api_key=_bearer(user), max_retries=0)
    bob = OpenAI(base_url=live_server.url + "/v1", api_key=_bearer(other_user), max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = client.models.list().data[0].id
        video = client.videos.create_and_poll(
            prompt="Shot 1: a paper boat on a stream. Shot 2: it reaches the sea.",
            model=model,
            seconds="4",
            poll_interval_ms=100,
        )
        assert video.status == "completed", video.error
        assert video.expires_at is not None and video.expires_at > time.time()

        # SDK 3.51's videos.edit raises before sending a `{"id"}` reference (its file
        # extraction asserts the `video` entry is a file), so the reference goes as the JSON
        # body the endpoint also takes, through the SDK's own client; uploads use edit below.
        with pytest.raises(RuntimeError, match="Expected entry at `video`"):
            client.videos.edit(prompt="The same boat, in the snow.", video={"id": video.id})
        edited = client.post(
            "/videos/edits",
            body={"prompt": "The same boat, in the snow.", "video": {"id": video.id}},
            cast_to=openai.types.Video,
        )
        assert edited.object == "video" and edited.seconds == "4"
        edited = client.videos.poll(edited.id, poll_interval_ms=100)
        assert edited.status == "completed", edited.error
        assert edited.id != video.id

        with pytest.raises(openai.NotFoundError):
            bob.post(
                "/videos/edits",
                body={"prompt": "mine now", "video": {"id": video.id}},
                cast_to=openai.types.Video,
            )
        with open(_clip(tmp_path, "sea.mp4", _landscape()), "rb") as file:
            uploaded = client.videos.edit(prompt="The sea, at dawn.", video=file)
        assert uploaded.size == "1280x720"
        with (
            open(_clip(tmp_path, "face.mp4", _portrait()), "rb") as file,
            pytest.raises(openai.BadRequestError) as face,
        ):
            client.videos.edit(prompt="This person, dancing.", video=file)
        assert face.value.body["param"] == "video"
        with pytest.raises(openai.BadRequestError) as refused:
            client.videos.create(prompt="a boat", model="sora-2")
        assert refused.value.body["param"] == "model"
    source = GenerationJob.objects.get(pk=edited.id).provenance["edited_from"]
    assert source == video.id
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 3
    assert not GenerationJob.objects.filter(user=other_user).exists()
