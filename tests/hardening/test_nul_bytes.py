"""NUL characters in ids, handles, query parameters and bodies are 4xx, never 500.

PostgreSQL text cannot hold NUL: anything that reaches a query with one raises DataError. On
SQLite these pass either way; CI runs them on PostgreSQL, where they found the handle routes.
"""

import pytest

NUL = "a\x00b"

# Path and query: refused up front by config.middleware.reject_nul_bytes (400).
URLS = [
    ("get", "/api/v1/users/a%00b"),
    ("get", "/api/v1/users/a%00b/videos"),
    ("get", "/api/v1/users/a%00b/followers"),
    ("get", "/api/v1/users/a%00b/following"),
    ("post", "/api/v1/users/a%00b/follow"),
    ("post", "/api/v1/users/a%00b/block"),
    ("delete", "/api/v1/cameos/me/grants/a%00b"),
    ("get", "/api/v1/generations/a%00b"),
    ("get", "/v1/videos/a%00b"),
    ("get", "/v1/videos/a%00b/content"),
    ("get", "/api/v1/notifications?cursor=a%00b"),
    ("get", "/api/v1/feed?cursor=a%00b"),
    ("get", "/api/v1/feed/following?cursor=a%00b"),
    ("get", "/api/v1/videos/00000000-0000-4000-8000-000000000000/comments?parent=1%00"),
    ("get", "/v1/videos?after=a%00b"),
    ("get", "/api/v1/me?a%00b=1"),
]

# Bodies: DRF's CharField refuses NUL, so these name the field (400) or find nothing (404).
BODIES = [
    ("post", "/api/v1/reports", {"target_type": "user", "target_id": NUL, "reason": "spam"}),
    ("post", "/api/v1/reports", {"target_type": "video", "target_id": NUL, "reason": "spam"}),
    ("post", "/api/v1/reports", {"target_type": "cameo", "target_id": NUL, "reason": "spam"}),
    ("post", "/api/v1/reports", {"target_type": "comment", "target_id": NUL, "reason": "spam"}),
    ("post", "/api/v1/appeals", {"action": NUL, "text": "x"}),
    ("post", "/api/v1/cameos/me/grants", {"handle": NUL}),
    ("post", "/api/v1/generations", {"prompt": NUL, "seconds": 4}),
    ("post", "/api/v1/generations", {"prompt": "ok", "seconds": 4, "cameos": [NUL]}),
    ("post", "/api/v1/storyboards/plan", {"prompt": NUL, "seconds": 4}),
    ("post", "/api/v1/auth/register", {"handle": NUL, "email": "x@example.com", "password": NUL}),
    ("post", "/api/v1/auth/token", {"handle": NUL, "password": NUL}),
    ("post", "/v1/videos", {"prompt": NUL}),
    ("post", "/api/v1/videos", {"job_id": NUL, "caption": "x"}),
    ("patch", "/api/v1/me", {"bio": NUL}),
]


@pytest.mark.parametrize(("method", "url"), URLS, ids=[f"{m} {u}" for m, u in URLS])
def test_nul_in_the_url_is_400(world, auth_client, method, url):
    response = getattr(auth_client(world.alice), method)(url)
    assert response.status_code == 400, (url, response.status_code)
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize(
    ("method", "url", "body"), BODIES, ids=[f"{m} {u} {sorted(b)}" for m, u, b in BODIES]
)
def test_nul_in_the_body_is_4xx(world, auth_client, method, url, body):
    response = getattr(auth_client(world.alice), method)(url, body, format="json")
    assert 400 <= response.status_code < 500, (url, response.status_code, response.content[:200])


def test_nul_in_the_idempotency_key_is_4xx(world, auth_client):
    response = auth_client(world.alice).post(
        "/api/v1/generations",
        {"prompt": "a quiet harbour", "seconds": 4},
        format="json",
        HTTP_IDEMPOTENCY_KEY=NUL,
    )
    assert response.status_code < 500, response.content[:200]
