"""Outbound HTTP to user-supplied URLs, safe against SSRF (OWASP API7).

The host is resolved once and every address it resolves to must be a public unicast one
(not private, loopback, link-local — the cloud metadata address 169.254.169.254 included —,
shared/CGNAT, multicast, reserved or unspecified), unless WEBHOOK_ALLOW_PRIVATE is on. The
connection then goes to the address that was checked (the host name is kept for the `Host`
header, TLS SNI and certificate check), so a DNS answer that changes between the check and
the connect (rebinding) cannot redirect it. Redirects are never followed, timeouts are
short, and at most WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings

MAX_URL_CHARS = 2000


class UnsafeURL(ValueError):
    """A URL webhooks may not call; the message says why (shown to the user as `url`)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written in the URL (Host header, SNI)
    port: int
    path: str  # path + query
    address: str  # the checked IP the connection goes to


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_link_local
        or address.is_loopback
        or address.is_private
    )


def check_url(url: str) -> Target:
    """Parse, resolve and check a webhook URL; UnsafeURL says what is wrong with it."""
    if not isinstance(url, str) or not url:
        raise UnsafeURL("Enter a URL.")
    if len(url) > MAX_URL_CHARS:
        raise UnsafeURL(f"At most {MAX_URL_CHARS} characters.")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise UnsafeURL("A URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL("Not a valid URL.") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Only http and https URLs are accepted.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UnsafeURL("A URL may not carry credentials.")
    host = parts.hostname
    if not host:
        raise UnsafeURL("The URL has no host.")
    port = port or (443 if parts.scheme == "https" else 80)
    address = _resolve_checked(host, port)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, address)


def _resolve_checked(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise UnsafeURL("The host does not resolve.") from None
    addresses = []
    for info in infos:
        try:
            addresses.append(ipaddress.ip_address(str(info[4][0]).split("%")[0]))
        except ValueError:
            continue
    if not addresses:
        raise UnsafeURL("The host does not resolve.")
    # Every answer, not just the first: a name with one public and one private record would
    # otherwise be a coin toss.
    if not settings.WEBHOOK_ALLOW_PRIVATE and any(_forbidden(a) for a in addresses):
        raise UnsafeURL("The host resolves to a private, loopback or reserved address.")
    return str(addresses[0])


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
