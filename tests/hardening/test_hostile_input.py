"""Hostile bodies and query strings are 4xx JSON errors naming what was wrong, never 500s
(issue 12, finding 8): deep JSON, crafted cursors, ids too large for any column."""

import base64

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 5000 + "]" * 5000
JUST_TOO_DEEP = '{"a":' * 65 + "1" + "}" * 65


def _client(user=None):
    client = APIClient(raise_request_exception=False)
    if user is not None:
        client.force_authenticate(user)
    return client


def _drf_cursor(query: str) -> str:
    return base64.b64encode(query.encode("ascii")).decode("ascii")


@pytest.mark.parametrize("body", [DEEP_JSON, JUST_TOO_DEEP], ids=["5000-deep", "65-deep"])
@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token", "/api/v1/auth/register", "/api/v1/auth/token/refresh"]
)
def test_deeply_nested_json_is_400_on_anonymous_endpoint(path, body):
    response = _client().post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize("body", [DEEP_JSON, JUST_TOO_DEEP], ids=["5000-deep", "65-deep"])
@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/v1/generations"),
        ("patch", "/api/v1/me"),
        ("post", "/api/v1/videos/{video.id}/comments"),
        ("post", "/v1/videos"),
    ],
)
def test_deeply_nested_json_is_400_on_authenticated_endpoint(world, method, path, body):
    url = path.format(video=world.video)
    response = getattr(_client(world.bob), method)(url, body, content_type="application/json")
    assert response.status_code == 400
    assert "parse" in response.content.decode()


def test_json_at_the_depth_limit_is_parsed(world):
    body = '{"body": "hi", "x":' + "[" * 62 + "]" * 62 + "}"
    response = _client(world.bob).post(
        f"/api/v1/videos/{world.video.id}/comments", body, content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "cursor",
    [
        _drf_cursor("p=not-a-number"),
        _drf_cursor("p=" + "9" * 25),
        _drf_cursor("p=-1"),
        _drf_cursor("o=5&r=x&p=1"),
        "not base64 at all!",
        _drf_cursor("p=1.5e400"),
    ],
)
def test_crafted_ledger_cursor_is_400(world, cursor):
    response = _client(world.alice).get("/api/v1/cameos/me/ledger", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    "path", ["/api/v1/notifications", "/api/v1/users/alice/followers", "/api/v1/generations"]
)
@pytest.mark.parametrize("position", ["garbage", "99999-01-01T00:00:00Z"])
def test_crafted_created_at_cursor_is_400_on_every_list(world, path, position):
    response = _client(world.alice).get(path, {"cursor": _drf_cursor(f"p={position}")})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"


def test_real_ledger_cursor_still_pages(world):
    from accounts.services.cameos import grant_cameo

    grant_cameo(world.alice, world.bob)
    grant_cameo(world.alice, world.carol)
    client = _client(world.alice)
    first = client.get("/api/v1/cameos/me/ledger", {"page_size": 1}).json()
    assert first["next"]
    second = client.get(first["next"])
    assert second.status_code == 200
    assert second.json()["results"][0]["seq"] > first["results"][0]["seq"]


def test_25_digit_parent_is_400(world):
    response = _client(world.alice).get(
        f"/api/v1/videos/{world.video.id}/comments", {"parent": "9" * 25}
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_25_digit_parent_in_comment_body_is_400(world):
    response = _client(world.bob).post(
        f"/api/v1/videos/{world.video.id}/comments",
        {"body": "hi", "parent": int("9" * 25)},
        format="json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()


@pytest.mark.parametrize("text", [DEEP_JSON, JUST_TOO_DEEP])
def test_json_text_in_a_form_field_is_read_with_the_same_bound(text):
    """For multipart fields that carry JSON (e.g. `storyboard`): a ValueError, as bad JSON is."""
    from config.parsers import JSONTooDeep, loads_request_json

    with pytest.raises(JSONTooDeep):
        loads_request_json(text)
    assert loads_request_json('{"shots": [{"caption": "hi"}]}') == {"shots": [{"caption": "hi"}]}


@pytest.mark.parametrize("after", ["garbage", "9" * 25, "00000000-0000-4000-8000-000000000000"])
def test_crafted_v1_after_is_4xx(world, after):
    response = _client(world.alice).get("/v1/videos", {"after": after})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("limit", ["9" * 25, "-1", "x"])
def test_crafted_v1_limit_is_400(world, limit):
    response = _client(world.alice).get("/v1/videos", {"limit": limit})
    assert response.status_code == 400
