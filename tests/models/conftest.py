import pytest

from tests.models.tiny_models import save_tiny


@pytest.fixture(scope="session")
def tiny_folders(tmp_path_factory):
    """The three tiny pipelines, saved once per session (each well under 1 MB)."""
    root = tmp_path_factory.mktemp("tiny-models")
    return {name: save_tiny(name, root / name) for name in ("ltx2", "wan", "wan_i2v")}


@pytest.fixture(autouse=True)
def _no_policy(settings):
    """No moderation checks plugged in (the policy has its own tests)."""
    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = []


@pytest.fixture
def openai_gateway(settings, tmp_path):
    """A loopback server with the Videos API's shape (a gateway after Sora's shutdown)."""
    from tests.generation.clips import write_mp4
    from tests.generation.fake_servers import FakeOpenAIVideos

    clip = write_mp4(tmp_path / "hosted.mp4", seconds=4).read_bytes()
    with FakeOpenAIVideos(clip, hang_seconds=2) as server:
        settings.GENERATION_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.url + "/v1"
        settings.OPENAI_API_KEY = "sk-test"
        settings.GENERATION_POLL_INTERVAL_SECONDS = 0.05
        yield server
