"""/v1/videos/extensions as the installed `openai` SDK sends it: an uploaded MP4 through
`videos.extend` (multipart; probed like a cameo clip, refused with a face), and the source as
`{"id": …}`. The SDK (3.51) types `video` as a file or `{"id"}`, but its `extend` runs every
`video` through its file extraction, which raises on a dict before anything is sent; so an id
goes through the SDK's own transport (`client.post`, JSON), as the type allows."""

import warnings

import pytest

from generation.models import GenerationJob, QuotaEntry
from tests import clips
from tests.generation.clips import write_mp4


@pytest.fixture
def bearer(user):
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


@pytest.fixture
def sdk(live_server, bearer):
    from openai import OpenAI

    client = OpenAI(base_url=live_server.url + "/v1", api_key=bearer, max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield client


def _extend_by_id(sdk, video_id: str, *, prompt="Go on.", seconds="4"):
    from openai.types import Video

    body = {"prompt": prompt, "seconds": seconds, "video": {"id": video_id}}
    return sdk.post("/videos/extensions", body=body, cast_to=Video)


def test_the_sdks_extend_cannot_send_an_id_itself():
    """Why _extend_by_id exists: the installed SDK refuses `{"id"}` before any request."""
    from openai import OpenAI

    client = OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(RuntimeError, match="Expected entry at `video`"):
            client.videos.extend(prompt="Go on.", seconds="4", video={"id": "video_1"})


def _duration(data: bytes, tmp_path) -> float:
    from media.probe import probe_video

    path = tmp_path / "extended.mp4"
    path.write_bytes(data)
    return probe_video(path, require_audio=True).duration


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sdk_extends_a_video_by_id(sdk, user, tmp_path):
    source = sdk.videos.create_and_poll(
        prompt="Shot 1: a paper boat on a stream. Shot 2: it reaches the sea.",
        seconds="4",
        size="720x1280",
        poll_interval_ms=100,
    )
    assert source.status == "completed", source.error
    extended = _extend_by_id(sdk, source.id, prompt="The boat sails on into the sunset.")
    assert extended.id != source.id
    extended = sdk.videos.poll(extended.id, poll_interval_ms=100)
    assert extended.status == "completed", extended.error
    assert extended.seconds == "8"  # "for extensions, the stitched total duration"
    assert 7.9 <= _duration(sdk.videos.download_content(extended.id).content, tmp_path) <= 8.1
    job = GenerationJob.objects.get(pk=extended.id)
    assert job.kind == "extend"
    assert job.provenance["parents"] == [{"job_id": source.id, "relation": "extension"}]
    assert QuotaEntry.objects.filter(user=user, kind="charge").count() == 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sdk_extends_an_uploaded_mp4(sdk, user, tmp_path):
    upload = write_mp4(tmp_path / "mine.mp4", seconds=4, size=(320, 576), fps=12)
    with upload.open("rb") as handle:
        video = sdk.videos.extend(prompt="A green light sweeps on.", seconds="4", video=handle)
    video = sdk.videos.poll(video.id, poll_interval_ms=100)
    assert video.status == "completed", video.error
    assert video.seconds == "8"
    assert video.size == "720x1280"  # the upload's aspect at Cutaway's size
    assert 7.9 <= _duration(sdk.videos.download_content(video.id).content, tmp_path) <= 8.1
    job = GenerationJob.objects.get(pk=video.id)
    assert job.provenance["parents"] == []
    assert job.provenance["extension"]["upload_sha256"]


def _face_mp4(path):
    import io

    import numpy as np
    from PIL import Image

    from tests.models.test_references import face_photo

    face = np.asarray(Image.open(io.BytesIO(face_photo())).convert("RGB").resize((320, 416)))
    return clips.write_clip(path, lambda index: face, count=24, fps=12, size=(320, 416))


@pytest.mark.django_db(transaction=True)
def test_sdk_upload_showing_a_face_is_a_400_on_video(sdk, user, tmp_path):
    import openai

    face = _face_mp4(tmp_path / "face.mp4")
    with face.open("rb") as handle, pytest.raises(openai.BadRequestError) as error:
        sdk.videos.extend(prompt="Go on.", seconds="4", video=handle)
    assert error.value.body["param"] == "video"
    assert error.value.body["code"] == "video_has_face"
    assert not GenerationJob.objects.exists()
    assert not QuotaEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sdk_upload_that_is_not_a_video_is_a_400_on_video(sdk, user, tmp_path):
    import openai

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    with bad.open("rb") as handle, pytest.raises(openai.BadRequestError) as error:
        sdk.videos.extend(prompt="Go on.", seconds="4", video=handle)
    assert error.value.body["param"] == "video"
    assert not GenerationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_sdk_extend_of_another_users_video_is_404_and_unfinished_is_409(
    sdk, user, other_user, make_job
):
    import openai

    theirs = make_job(other_user, status="succeeded", seconds=4)
    with pytest.raises(openai.NotFoundError):
        _extend_by_id(sdk, str(theirs.pk))
    queued = make_job(user, status="queued", seconds=4)
    with pytest.raises(openai.ConflictError) as error:
        _extend_by_id(sdk, str(queued.pk))
    assert error.value.body["code"] == "job_not_succeeded"
    assert not QuotaEntry.objects.exists()
    assert GenerationJob.objects.filter(user=user).count() == 1


@pytest.mark.django_db(transaction=True)
def test_sdk_extend_past_the_length_limit_is_400_on_seconds(sdk, user, make_job):
    import openai

    long = make_job(user, status="succeeded", seconds=20)
    with pytest.raises(openai.BadRequestError) as error:
        _extend_by_id(sdk, str(long.pk), seconds="8")
    assert error.value.body["param"] == "seconds"
    assert GenerationJob.objects.filter(user=user).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["null", "[]", '"x"', '{"prompt": "Go on.", "seconds": "4"}'])
def test_a_body_that_is_not_a_usable_object_is_a_400(api_client, bearer, body):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {bearer}")
    response = api_client.post("/v1/videos/extensions", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["param"] in ("prompt", "video")
