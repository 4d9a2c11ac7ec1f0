"""Outbound webhook HTTP to user-supplied URLs, safe against SSRF.

The URL passes config/netguard.py (the one address rule, shared with WebPush) and the
connection then goes to the address that was checked (the host name is kept for the `Host`
header, TLS SNI and certificate check), so a DNS answer that changes between the check and
the connect (rebinding) cannot redirect it. Redirects are never followed, timeouts are
short, and at most WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

import time
from dataclasses import dataclass

import urllib3
from django.conf import settings

from config.netguard import MAX_URL_CHARS, Target, UnsafeURL, check_url

__all__ = ["MAX_URL_CHARS", "Target", "UnsafeURL", "check_url", "post", "DeliveryError"]


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    duration_ms: int


class DeliveryError(Exception):
    """The request did not get an HTTP answer (refused, timed out, TLS failed, unsafe)."""


def post(url: str, body: bytes, headers: dict[str, str]) -> Response:
    """POST `body` to `url` (checked again now, connection pinned to the checked address)."""
    try:
        target = check_url(url)
    except UnsafeURL as exc:
        raise DeliveryError(f"refused: {exc}") from None
    timeout = urllib3.Timeout(
        connect=settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS, read=settings.WEBHOOK_TIMEOUT_SECONDS
    )
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            target.address,
            port=target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.address, port=target.port, timeout=timeout, retries=False, maxsize=1
        )
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host_header += f":{target.port}"
    started = time.monotonic()
    deadline = started + settings.WEBHOOK_TIMEOUT_SECONDS
    try:
        answer = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "Host": host_header},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = _read_capped(answer, deadline)
        finally:
            answer.close()  # never drain the rest: the connection is dropped with the pool
    except urllib3.exceptions.HTTPError as exc:
        raise DeliveryError(_describe(exc)) from None
    finally:
        pool.close()
    return Response(answer.status, data, int((time.monotonic() - started) * 1000))


def _read_capped(answer, deadline: float) -> bytes:
    """At most WEBHOOK_MAX_RESPONSE_BYTES, and no later than the deadline: an endpoint that
    drips a huge body slowly cannot hold the worker."""
    cap = settings.WEBHOOK_MAX_RESPONSE_BYTES
    chunks, size = [], 0
    while size < cap:
        if time.monotonic() > deadline:
            break
        # read1: what one recv() gives (read() would wait for the whole amount, so a server
        # dripping one byte at a time could hold it far past the deadline).
        chunk = answer.read1(min(16384, cap - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.TimeoutError | urllib3.exceptions.ReadTimeoutError):
        return "timeout"
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return _describe(exc.reason) if isinstance(exc.reason, Exception) else str(exc.reason)
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "connection refused"
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "tls error"
    return type(exc).__name__
