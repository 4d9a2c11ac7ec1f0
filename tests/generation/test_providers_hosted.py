"""The openai and veo providers, with their real SDKs, against loopback fake servers."""

import pytest

from generation.providers import (
    ProviderError,
    ProviderRefused,
    get_provider,
)
from generation.providers.base import COMPLETED, FAILED, IN_PROGRESS, JobSpec
from tests.generation.fake_servers import parse_multipart


def _spec(prompt="A paper boat on a river", seconds=6, size="720x1280"):
    return JobSpec(job_id="job-1", prompt=prompt, seconds=seconds, size=size, seed=7)


def _assert_real_mp4(path):
    from media.probe import probe_video

    probe = probe_video(path, require_audio=True)
    assert probe.video_codec == "h264"
    assert probe.has_audio


@pytest.mark.parametrize("server_fixture", ["openai_server", "veo_server"])
def test_submit_poll_download(request, tmp_path, server_fixture):
    server = request.getfixturevalue(server_fixture)
    provider = get_provider()
    provider_job_id = provider.submit(_spec())
    assert provider.poll(provider_job_id).status == IN_PROGRESS
    assert provider.poll(provider_job_id).status == COMPLETED
    path = provider.download(provider_job_id, tmp_path / "out.mp4")
    _assert_real_mp4(path)
    assert server.requests


def test_openai_request_shape(openai_server):
    provider = get_provider("openai")
    provider.submit(_spec(seconds=6, size="1280x720"))
    create = openai_server.requests[0]
    assert (create["method"], create["path"]) == ("POST", "/v1/videos")
    assert create["headers"]["authorization"] == "Bearer sk-test"
    assert create["headers"]["content-type"].startswith("multipart/form-data")
    fields = parse_multipart(create["headers"]["content-type"], create["body"])
    # 6 s asks for the shortest hosted duration that covers it.
    assert fields == {
        "prompt": "A paper boat on a river",
        "model": "sora-2",
        "seconds": "8",
        "size": "1280x720",
    }


def test_veo_request_shape(veo_server):
    import json

    provider = get_provider("veo")
    name = provider.submit(_spec(seconds=5, size="1280x720"))
    create = veo_server.requests[0]
    assert (
        create["path"]
        == "/v1beta1/publishers/google/models/veo-3.0-generate-001:predictLongRunning"
    )
    assert create["headers"]["x-goog-api-key"] == "g-test"
    body = json.loads(create["body"])
    assert body["instances"] == [{"prompt": "A paper boat on a river"}]
    assert body["parameters"] == {
        "sampleCount": 1,
        "durationSeconds": 6,
        "seed": 7,
        "aspectRatio": "16:9",
        "generateAudio": True,
    }
    provider.poll(name)
    poll = veo_server.requests[1]
    assert poll["path"].endswith("veo-3.0-generate-001:fetchPredictOperation")
    assert json.loads(poll["body"]) == {"operationName": name}


def test_openai_moderation_refusal(openai_server):
    with pytest.raises(ProviderRefused) as info:
        get_provider().submit(_spec(prompt="please refuse this"))
    assert info.value.code == "provider_refused"
    assert "moderation" in info.value.message


def test_veo_filtered_output_is_a_refusal(veo_server):
    provider = get_provider()
    name = provider.submit(_spec(prompt="please refuse this"))
    provider.poll(name)
    status = provider.poll(name)
    assert status.status == FAILED
    assert status.error_code == "provider_refused"
    assert "usage guidelines" in status.error_message


@pytest.mark.parametrize("server_fixture", ["openai_server", "veo_server"])
def test_failed_job_reports_readable_error(request, server_fixture):
    request.getfixturevalue(server_fixture)
    provider = get_provider()
    provider_job_id = provider.submit(_spec(prompt="this will fail"))
    provider.poll(provider_job_id)
    status = provider.poll(provider_job_id)
    assert status.status == FAILED
    assert status.error_code == "provider_failed"
    assert "upstream" in status.error_message


@pytest.mark.parametrize("server_fixture", ["openai_server", "veo_server"])
def test_http_timeout_is_a_provider_timeout(request, server_fixture):
    request.getfixturevalue(server_fixture)
    with pytest.raises(ProviderError) as info:
        get_provider().submit(_spec(prompt="hang on"))
    assert info.value.code == "provider_timeout"


def test_unknown_provider_is_a_provider_error():
    with pytest.raises(ProviderError):
        get_provider("nope")
