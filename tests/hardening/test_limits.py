"""Resource limits: throttles (per user, per IP), request body size, uploads, page sizes.

Throttle rates are read by DRF's throttle classes from `SimpleRateThrottle.THROTTLE_RATES`,
a class attribute filled once at import; the tests lower a scope's rate by patching that
attribute (tests/settings.py sets every scope to 100000/min for the rest of the suite).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

NO_SUCH_UUID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def rate(monkeypatch):
    """`rate(scope="2/min", ...)`: lower those scopes' rates for this test."""

    def _set(**rates):
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **rates}
        )

    return _set


# (id, scope, method, path, body, anonymous)
THROTTLED = [
    ("register", "auth", "post", "/api/v1/auth/register", {}, True),
    ("token", "auth", "post", "/api/v1/auth/token", {"handle": "x", "password": "y"}, True),
    ("refresh", "auth", "post", "/api/v1/auth/token/refresh", {"refresh": "nope"}, True),
    ("generation", "generation", "post", "/api/v1/generations", {}, False),
    ("openai-create", "generation", "post", "/v1/videos", {}, False),
    ("openai-remix", "generation", "post", "/v1/videos/{draft_job.id}/remix", {}, False),
    ("like", "likes", "post", "/api/v1/videos/{video.id}/like", None, False),
    ("unlike", "likes", "delete", "/api/v1/videos/{video.id}/like", None, False),
    ("comment", "comments", "post", "/api/v1/videos/{video.id}/comments", {"body": ""}, False),
    ("report", "reports", "post", "/api/v1/reports", {}, False),
    ("appeal", "reports", "post", "/api/v1/appeals", {}, False),
]


def _client(world, anonymous, ip="203.0.113.7"):
    if anonymous:
        return APIClient(REMOTE_ADDR=ip)
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient(REMOTE_ADDR=ip)
    token = RefreshToken.for_user(world.bob).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _call(client, method, path, body, world):
    url = path.format(video=world.video, draft_job=world.draft_job)
    return getattr(client, method)(url, body, format="json")


def _assert_throttled(response):
    assert response.status_code == 429, (response.status_code, response.content[:200])
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


@pytest.mark.parametrize(
    ("scope", "method", "path", "body", "anonymous"),
    [t[1:] for t in THROTTLED],
    ids=[t[0] for t in THROTTLED],
)
def test_scope_throttles_with_retry_after(world, rate, scope, method, path, body, anonymous):
    rate(**{scope: "2/min"})
    client = _client(world, anonymous)
    for _ in range(2):
        assert _call(client, method, path, body, world).status_code != 429
    _assert_throttled(_call(client, method, path, body, world))


def test_throttle_is_per_user(world, rate, auth_client):
    rate(likes="2/min")
    url = f"/api/v1/videos/{world.video.id}/like"
    bob, carol = auth_client(world.bob), auth_client(world.carol)
    bob.post(url)
    bob.delete(url)
    _assert_throttled(bob.post(url))
    # Same address, another account: its own bucket.
    assert carol.post(url).status_code in (200, 201)


def test_anonymous_auth_throttle_is_per_ip_and_ignores_forwarded_for(db, rate):
    """X-Forwarded-For is client-controlled unless a proxy sets it: rotating it must not
    reset the bucket (REST_FRAMEWORK NUM_PROXIES, 0 unless THROTTLE_NUM_PROXIES is set)."""
    rate(auth="2/min")
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    for n in range(2):
        client.post("/api/v1/auth/token", {"handle": "x", "password": "y"}, format="json")
    response = client.post(
        "/api/v1/auth/token",
        {"handle": "x", "password": "y"},
        format="json",
        HTTP_X_FORWARDED_FOR="198.51.100.99",
    )
    _assert_throttled(response)
    other = APIClient(REMOTE_ADDR="203.0.113.8")
    assert other.post("/api/v1/auth/token", {}, format="json").status_code != 429


def test_comment_reads_are_not_throttled_by_the_comment_scope(world, rate, auth_client):
    rate(comments="1/min")
    client = auth_client(world.bob)
    for _ in range(3):
        assert client.get(f"/api/v1/videos/{world.video.id}/comments").status_code == 200


# --- request bodies ------------------------------------------------------------------

# Every write that takes a body; 2 MB is twice DATA_UPLOAD_MAX_MEMORY_SIZE.
WRITES = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/token"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/generations"),
    ("post", "/api/v1/storyboards/plan"),
    ("post", "/api/v1/videos"),
    ("patch", "/api/v1/videos/{video.id}"),
    ("post", "/api/v1/videos/{video.id}/comments"),
    ("post", "/api/v1/videos/{video.id}/view"),
    ("post", "/api/v1/reports"),
    ("post", "/api/v1/appeals"),
    ("post", "/api/v1/cameos/me"),
    ("patch", "/api/v1/cameos/me"),
    ("post", "/api/v1/cameos/me/grants"),
    ("post", "/v1/videos"),
    ("post", "/v1/videos/{draft_job.id}/remix"),
]


@pytest.mark.parametrize("fmt", ["json", "multipart"])
@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_body_over_the_limit_is_4xx_json(world, auth_client, method, path, fmt):
    client = auth_client(world.alice)
    url = path.format(video=world.video, draft_job=world.draft_job)
    response = getattr(client, method)(url, {"caption": "x" * 2_000_000}, format=fmt)
    assert response.status_code == 413, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"]


def test_avatar_over_the_limit_is_400_on_avatar(world, auth_client, settings):
    from PIL import Image

    settings.AVATAR_MAX_BYTES = 10_000
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 100).convert("RGB").save(buffer, "PNG")
    assert buffer.tell() > 10_000
    upload = SimpleUploadedFile("me.png", buffer.getvalue(), "image/png")
    response = auth_client(world.bob).patch("/api/v1/me", {"avatar": upload}, format="multipart")
    assert response.status_code == 400
    assert "avatar" in response.json()
    world.bob.refresh_from_db()
    assert not world.bob.avatar


def test_cameo_clip_over_the_limit_is_400_on_video(world, auth_client, settings):
    from accounts.models import Cameo

    settings.CAMEO_CLIP_MAX_BYTES = 1000
    upload = SimpleUploadedFile("me.mp4", b"\x00" * 5000, "video/mp4")
    response = auth_client(world.bob).post(
        "/api/v1/cameos/me", {"video": upload, "consent": "true"}, format="multipart"
    )
    assert response.status_code == 400
    assert "video" in response.json()
    assert not Cameo.objects.filter(owner=world.bob).exists()


# --- page sizes ----------------------------------------------------------------------


@pytest.fixture
def crowded(world):
    """alice has 120 notifications and 120 public videos (more than any page may hold)."""
    from accounts.models import Notification
    from feed.models import Video
    from generation.models import GenerationJob

    Notification.objects.bulk_create(
        Notification(recipient=world.alice, kind="like", actor=world.carol) for _ in range(120)
    )
    jobs = GenerationJob.objects.bulk_create(
        GenerationJob(user=world.carol, status="succeeded", prompt="p", video_file="v.mp4")
        for _ in range(120)
    )
    from django.utils import timezone

    Video.objects.bulk_create(
        Video(job=job, author=world.carol, status="published", published_at=timezone.now())
        for job in jobs
    )
    return world


@pytest.mark.parametrize(
    ("path", "cap"),
    [
        ("/api/v1/notifications", 100),
        ("/api/v1/users/carol/videos", 100),
        ("/api/v1/generations", 100),
        ("/api/v1/feed/following", 100),
    ],
)
def test_page_size_is_capped(crowded, auth_client, path, cap):
    from accounts.services.users import follow_user

    follow_user(crowded.alice, crowded.carol)
    owner = crowded.carol if "generations" in path else crowded.alice
    response = auth_client(owner).get(path, {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) == cap, path


def test_openai_list_limit_is_bounded(crowded, auth_client):
    """The OpenAI-compatible list follows that API: `limit` 1..100, beyond is a 400 on it."""
    client = auth_client(crowded.carol)
    response = client.get("/v1/videos", {"limit": 100000})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "limit"
    assert len(client.get("/v1/videos", {"limit": 100}).json()["data"]) == 100


def test_for_you_page_size_is_capped(rf):
    from rest_framework.request import Request

    from feed.pagination import ForYouPagination

    request = Request(rf.get("/api/v1/feed", {"page_size": "100000"}))
    assert ForYouPagination(request).get_page_size() == ForYouPagination.max_page_size == 50
