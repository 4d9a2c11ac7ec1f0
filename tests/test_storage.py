"""config.storage on both backends: files are private, reachable only through expiring URLs."""

import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from django.core import signing
from django.core.files.storage import default_storage

from config import storage


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_local_save_read_and_signed_url_serves_the_bytes(client, db):
    name = storage.save_file("avatars/a.txt", b"hello")
    assert storage.read_file(name) == b"hello"
    assert storage.file_exists(name)
    url = storage.file_url(name)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"


def test_local_save_never_overwrites(db):
    first = storage.save_file("avatars/same.txt", b"one")
    second = storage.save_file("avatars/same.txt", b"two")
    assert first != second
    assert storage.read_file(first) == b"one"


def test_local_tampered_token_is_404(client, db):
    name = storage.save_file("avatars/b.txt", b"secret")
    url = storage.file_url(name)
    response = client.get(url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb"))
    assert response.status_code == 404
    forged = signing.dumps({"n": name, "e": 3600}, salt="some-other-salt", compress=True)
    assert client.get(f"/files/{forged}").status_code == 404


def test_local_expired_token_is_404(client, db, monkeypatch):
    name = storage.save_file("avatars/c.txt", b"old")
    url = storage.file_url(name, expires=60)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + 120)
    assert client.get(url).status_code == 404


def test_local_url_for_deleted_file_is_404(client, db):
    name = storage.save_file("avatars/d.txt", b"gone")
    url = storage.file_url(name)
    storage.delete_file(name)
    assert not storage.file_exists(name)
    assert client.get(url).status_code == 404


def test_no_name_has_no_url():
    assert storage.file_url("") is None


def test_s3_fixture_swaps_the_default_storage(s3_storage):
    from storages.backends.s3 import S3Storage

    # default_storage is a lazy proxy; the setting_changed receiver must have dropped the
    # cached local backend so that it now resolves to S3 on the moto endpoint.
    assert isinstance(default_storage._wrapped, S3Storage) or default_storage.exists("x") is False
    assert isinstance(default_storage._wrapped, S3Storage)
    assert default_storage.endpoint_url == s3_storage


def test_s3_save_read_and_presigned_url_over_http(s3_storage):
    name = storage.save_file("clips/x.bin", b"\x00\x01binary")
    assert storage.read_file(name) == b"\x00\x01binary"
    assert storage.file_exists(name)
    url = storage.file_url(name, expires=300)
    assert url.startswith(s3_storage)
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=300" in url
    status, body = _fetch(url)
    assert status == 200
    assert body == b"\x00\x01binary"


def test_s3_object_is_not_public(s3_storage):
    name = storage.save_file("clips/private.bin", b"private")
    status, _ = _fetch(f"{s3_storage}/cutaway-test/{name}")
    assert status == 403


def test_s3_presigned_url_is_a_valid_expiring_sigv4_signature(s3_storage):
    """moto serves presigned GETs but does not verify their signature or expiry, so we check
    the URL ourselves: it must be SigV4, carry the requested lifetime and be signed now, and
    re-signing the same request with the same credentials and timestamp must reproduce it."""
    from urllib.parse import parse_qs, urlsplit

    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    name = storage.save_file("clips/e.bin", b"e")
    url = storage.file_url(name, expires=60)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-Expires"] == "60"
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 300

    request = AWSRequest(method="GET", url=f"{parts.scheme}://{parts.netloc}{parts.path}")
    request.context["timestamp"] = query["X-Amz-Date"]
    S3SigV4QueryAuth(Credentials("testing", "testing"), "s3", "us-east-1", expires=60).add_auth(
        request
    )
    expected = parse_qs(urlsplit(request.url).query)["X-Amz-Signature"][0]
    assert query["X-Amz-Signature"] == expected


def test_s3_state_is_reset_between_tests(s3_storage):
    assert not storage.file_exists("clips/x.bin")


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_delete_file_removes_the_object(backend, request, db):
    if backend == "s3":
        request.getfixturevalue("s3_storage")
    name = storage.save_file("tmp/del.txt", b"x")
    storage.delete_file(name)
    assert not storage.file_exists(name)


# --- Files and streaming (API.md v1.1): ranges and ETags on every served file ---------------


def test_local_file_answers_a_byte_range(client, db):
    url = storage.file_url(storage.save_file("avatars/r.bin", b"0123456789"))
    whole = client.get(url)
    assert whole["Accept-Ranges"] == "bytes" and whole["ETag"]
    part = client.get(url, HTTP_RANGE="bytes=2-5")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 2-5/10"
    assert b"".join(part.streaming_content) == b"2345"
    tail = client.get(url, HTTP_RANGE="bytes=-3")
    assert b"".join(tail.streaming_content) == b"789"
    open_ended = client.get(url, HTTP_RANGE="bytes=8-")
    assert b"".join(open_ended.streaming_content) == b"89"


def test_local_unsatisfiable_range_is_416(client, db):
    url = storage.file_url(storage.save_file("avatars/s.bin", b"abc"))
    response = client.get(url, HTTP_RANGE="bytes=10-20")
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */3"


def test_local_etag_gives_304(client, db):
    url = storage.file_url(storage.save_file("avatars/t.bin", b"same"))
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
