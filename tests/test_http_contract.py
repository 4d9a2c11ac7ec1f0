"""The HTTP conventions of API.md v1.1 that hold on every path: JSON 404s whatever DEBUG says,
`X-Request-ID` on every response and log line, a JSON 413 for oversized bodies, the `/` index,
and one timestamp format in the native API."""

import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from config.renderers import format_timestamp
from config.request_ids import RequestIDLogFilter
from tests.factories import JobFactory, VideoFactory
from tests.openapi import TIMESTAMP, SchemaMismatch, timestamp_mismatches

NOT_FOUND = [
    "/api/v1/no-such-thing",
    "/no-such-page",
    "/api/v1/videos/not-a-uuid",
    "/api/v1/generations/12345",
    "/api/v1/videos/not-a-uuid/comments",
    "/v1/videos/not-a-uuid",
    "/files/",
]


@pytest.mark.parametrize("debug", [True, False], ids=["DEBUG=True", "DEBUG=False"])
@pytest.mark.parametrize("path", NOT_FOUND)
def test_unknown_paths_and_malformed_ids_are_json_404(auth_client, user, path, debug):
    with override_settings(DEBUG=debug):
        response = auth_client(user).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_bad_host_is_json_400_with_debug_on(client, db):
    with override_settings(DEBUG=True):
        response = client.get("/api/v1/me", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


# --- X-Request-ID ----------------------------------------------------------------------------


def test_a_sane_client_request_id_is_echoed(api_client, db):
    response = api_client.get("/api/v1/me", HTTP_X_REQUEST_ID="app-7f3a.42:retry-1")
    assert response.status_code == 401
    assert response["X-Request-ID"] == "app-7f3a.42:retry-1"


@pytest.mark.parametrize("sent", ["", "has space", "x" * 129, "semi;colon", "new\nline"], ids=repr)
def test_an_insane_client_request_id_is_replaced(api_client, db, sent):
    response = api_client.get("/api/v1/models", HTTP_X_REQUEST_ID=sent)
    rid = response["X-Request-ID"]
    assert rid != sent and len(rid) == 32 and int(rid, 16) >= 0


def test_every_kind_of_response_carries_a_request_id(auth_client, client, user, db):
    job = JobFactory(user=user, stored=b"\x00\x00\x00\x18ftypmp42 not really a clip")
    video = VideoFactory(author=user, job=job)
    api = auth_client(user)
    file_url = api.get(f"/api/v1/videos/{video.pk}").json()["video_url"]
    responses = {
        "json": api.get(f"/api/v1/videos/{video.pk}"),
        "404": api.get("/api/v1/nowhere"),
        "401": client.get("/api/v1/me"),
        "400": api.post("/api/v1/videos", {}, format="json"),
        "file": client.get(file_url[file_url.index("/files/") :]),
        "schema": client.get("/api/schema/"),
        "index": client.get("/"),
    }
    assert responses["file"].status_code == 200
    ids = {name: response.get("X-Request-ID") for name, response in responses.items()}
    assert all(ids.values()), ids
    assert len(set(ids.values())) == len(ids)  # one per request


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.addFilter(RequestIDLogFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def test_log_lines_written_during_a_request_carry_its_id(api_client, db):
    handler = _Records()
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        api_client.get("/api/v1/no-such-thing", HTTP_X_REQUEST_ID="trace-me-1")
    finally:
        logger.removeHandler(handler)
    assert handler.records, "django.request logs a warning for a 404"
    assert {record.request_id for record in handler.records} == {"trace-me-1"}
    outside = logging.LogRecord("x", logging.INFO, __file__, 1, "after", None, None)
    RequestIDLogFilter().filter(outside)
    assert outside.request_id == "-"


def test_the_console_log_format_prints_the_request_id():
    logging_config = django_settings.LOGGING
    assert logging_config["handlers"]["console"]["filters"] == ["request_id"]
    assert "%(request_id)s" in logging_config["formatters"]["default"]["format"]


# --- Oversized bodies ------------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_a_json_413_and_writes_nothing(auth_client, user, settings):
    from feed.models import Comment

    video = VideoFactory(author=user, job=JobFactory(user=user))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = auth_client(user).post(
        f"/api/v1/videos/{video.pk}/comments", {"body": "x" * 20_000}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Comment.objects.exists()


def test_a_multipart_field_over_the_limit_is_a_json_413(auth_client, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = auth_client(user).patch("/api/v1/me", {"bio": "x" * 20_000}, format="multipart")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    user.refresh_from_db()
    assert user.bio == ""


def test_a_multipart_body_over_the_upload_limit_is_a_json_413(auth_client, user, settings):
    settings.REQUEST_MAX_UPLOAD_BYTES = 5_000
    response = auth_client(user).post(
        "/api/v1/cameos/me", {"consent": "true", "video": ("x" * 10_000)}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_body_under_the_limit_is_not_refused(auth_client, user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = auth_client(user).patch("/api/v1/me", {"bio": "short"}, format="json")
    assert response.status_code == 200


# --- The index -------------------------------------------------------------------------------


def test_the_root_is_a_json_index_of_the_api(client, db):
    response = client.get("/")
    assert response.status_code == 200
    links = response.json()
    assert links["docs"] == "http://testserver/api/docs/"
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["api"] == "http://testserver/api/v1/"
    assert links["v1"] == "http://testserver/v1/"
    assert client.get(links["docs"]).status_code == 200
    assert client.post("/").status_code == 405


# --- Timestamps ------------------------------------------------------------------------------


def test_timestamps_have_milliseconds_and_z():
    assert format_timestamp(datetime(2026, 12, 1, 19, 2, 55, 69_123, tzinfo=UTC)) == (
        "2026-12-01T19:02:55.069Z"
    )
    assert format_timestamp(datetime(2026, 12, 1, 19, 2, 55)) == "2026-12-01T19:02:55.000Z"
    paris = datetime(2026, 12, 1, 20, 2, 55, 999_999, tzinfo=ZoneInfo("Europe/Paris"))
    assert format_timestamp(paris) == "2026-12-01T19:02:55.999Z"  # converted, truncated
    london = datetime(2026, 12, 1, 19, 2, 55, 1_000, tzinfo=ZoneInfo("Europe/London"))
    assert format_timestamp(london) == "2026-12-01T19:02:55.001Z"
    assert format_timestamp(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00.000Z"


def test_the_checker_refuses_other_timestamp_formats():
    body = {"a": "2026-12-01T19:02:55+00:00", "b": [{"c": "2026-12-01T19:02:55.069123Z"}]}
    assert timestamp_mismatches(body) == [
        "/a: '2026-12-01T19:02:55+00:00'",
        "/b/0/c: '2026-12-01T19:02:55.069123Z'",
    ]
    assert timestamp_mismatches({"ok": "2026-12-01T19:02:55.069Z", "text": "2026 was"}) == []
    assert issubclass(SchemaMismatch, AssertionError)


def _timestamps(body) -> list[str]:
    if isinstance(body, dict):
        return [t for value in body.values() for t in _timestamps(value)]
    if isinstance(body, list):
        return [t for value in body for t in _timestamps(value)]
    return [body] if isinstance(body, str) and TIMESTAMP.match(body) else []


def test_native_responses_use_the_one_format_everywhere(auth_client, user, make_user, db):
    """Walks the responses that carry timestamps (quota's resets_at, jobs, videos, comments,
    notifications); the schema-checking client refuses any other format on every test."""
    fan = make_user("fan")
    video = VideoFactory(author=user, job=JobFactory(user=user))
    fan_client, api = auth_client(fan), auth_client(user)
    assert fan_client.post(f"/api/v1/videos/{video.pk}/like").status_code == 201
    comment = fan_client.post(f"/api/v1/videos/{video.pk}/comments", {"body": "nice"})
    assert comment.status_code == 201
    bodies = [
        api.get("/api/v1/me/quota").json(),
        api.get("/api/v1/generations").json(),
        api.get(f"/api/v1/videos/{video.pk}").json(),
        api.get(f"/api/v1/videos/{video.pk}/comments").json(),
        api.get("/api/v1/notifications").json(),
    ]
    found = [t for body in bodies for t in _timestamps(body)]
    assert len(found) >= 6, found
    assert all(timestamp_mismatches(body) == [] for body in bodies)
    assert TIMESTAMP.match(bodies[0]["resets_at"])


def test_v1_keeps_unix_seconds(auth_client, user, db):
    JobFactory(user=user)
    listed = auth_client(user).get("/v1/videos").json()
    assert isinstance(listed["data"][0]["created_at"], int)


def test_a_browser_gets_json_not_the_browsable_api(user, auth_client):
    """Production settings render JSON only (the browsable API is DEBUG's): a browser's
    Accept header gets the JSON body, not an HTML page built around it."""
    from rest_framework.settings import api_settings

    assert [r.__name__ for r in api_settings.DEFAULT_RENDERER_CLASSES] == ["JSONRenderer"]
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = auth_client(user).get("/api/v1/me", HTTP_ACCEPT=browser)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["handle"] == user.handle
