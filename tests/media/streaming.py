"""Helpers for the file-serving tests: fetch a URL the way a player does and check the
streaming headers (Range, ETag, Last-Modified) on the way."""


def body_of(response) -> bytes:
    """A test-client response's body, streamed or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def assert_streams(client, url: str) -> bytes:
    """The URL's whole body, after checking the streaming headers on 200, 206 and 304."""
    whole = client.get(url)
    assert whole.status_code == 200, url
    assert whole["Accept-Ranges"] == "bytes"
    etag, modified = whole["ETag"], whole["Last-Modified"]
    assert etag.startswith('"') and modified.endswith("GMT")
    data = body_of(whole)
    assert len(data) > 1
    last = min(4, len(data) - 1)
    part = client.get(url, HTTP_RANGE="bytes=1-4")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 1-{last}/{len(data)}"
    assert part["ETag"] == etag and part["Accept-Ranges"] == "bytes"
    assert body_of(part) == data[1 : last + 1]
    assert client.get(url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    unchanged = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    return data
