import itertools
import uuid

import pytest
from django.utils import timezone

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def _generation_settings(settings):
    """Generation tests run the default (local) provider with no moderation checks plugged
    in — tests that need a policy install their own — and quick hosted-provider polling."""
    settings.GENERATION_PROVIDER = "local"
    settings.GENERATION_PROMPT_CHECKS = []
    settings.GENERATION_OUTPUT_CHECKS = []
    settings.GENERATION_DAILY_LIMIT = 5
    settings.GENERATION_MAX_ATTEMPTS = 3
    settings.GENERATION_POLL_INTERVAL_SECONDS = 0.05
    settings.GENERATION_PROVIDER_TIMEOUT_SECONDS = 20
    settings.GENERATION_PROVIDER_HTTP_TIMEOUT = 5
    settings.GENERATION_PROVIDER_HTTP_RETRIES = 0


@pytest.fixture
def alice_client(auth_client, user):
    return auth_client(user)


def new_key() -> str:
    return f"test-key-{next(_keys)}-{uuid.uuid4()}"


@pytest.fixture
def post_generation():
    """post_generation(client, body, key=None) → response of POST /api/v1/generations."""

    def _post(client, body, key=None, **extra):
        headers = {"HTTP_IDEMPOTENCY_KEY": key or new_key()} if key is not False else {}
        return client.post("/api/v1/generations", body, format="json", **headers, **extra)

    return _post


@pytest.fixture
def make_job(db):
    """A job row in any state, without running anything (for access, list and cancel tests):
    tests/factories.JobFactory, with no thumbnail or probe unless given."""
    from tests.factories import JobFactory

    def _make(user, *, status="queued", **fields):
        fields.setdefault("thumbnail_file", "")
        fields.setdefault("probe", {})
        return JobFactory(
            user=user,
            prompt=fields.pop("prompt", "a red fox crossing a snowy field"),
            status=status,
            idempotency_key=new_key(),
            **fields,
        )

    return _make


@pytest.fixture
def make_cameo(db):
    """An active cameo for `owner` with the given permission (ORM only: the create and
    verify flow is tested in tests/cameos)."""
    from accounts.models import Cameo

    def _make(owner, *, permission="everyone", instructions=""):
        return Cameo.objects.create(
            owner=owner,
            status=Cameo.Status.ACTIVE,
            permission=permission,
            instructions=instructions,
            source_clip=f"cameos/{owner.handle}.mp4",
            verified_at=timezone.now(),
        )

    return _make


@pytest.fixture(scope="session")
def hosted_mp4(tmp_path_factory) -> bytes:
    from tests.generation.clips import write_mp4

    path = tmp_path_factory.mktemp("hosted") / "hosted.mp4"
    return write_mp4(path, seconds=4).read_bytes()


@pytest.fixture
def openai_server(settings, hosted_mp4):
    from tests.generation.fake_servers import FakeOpenAIVideos

    with FakeOpenAIVideos(hosted_mp4, hang_seconds=2) as server:
        settings.GENERATION_PROVIDER = "openai"
        settings.OPENAI_BASE_URL = server.url + "/v1"
        settings.OPENAI_API_KEY = "sk-test"
        settings.GENERATION_PROVIDER_HTTP_TIMEOUT = 0.5
        yield server


@pytest.fixture
def veo_server(settings, hosted_mp4):
    from tests.generation.fake_servers import FakeVeo

    with FakeVeo(hosted_mp4, hang_seconds=2) as server:
        settings.GENERATION_PROVIDER = "veo"
        settings.GEMINI_BASE_URL = server.url + "/"
        settings.GEMINI_API_KEY = "g-test"
        settings.GENERATION_PROVIDER_HTTP_TIMEOUT = 0.5
        yield server
