"""Where the server may send a request to an address a user chose (SSRF guard, OWASP API7).

Webhook URLs (events/) and WebPush endpoints (push/) are URLs the server will POST to; both
pass this one check at registration and again before every send. The host is resolved and
every address it resolves to must be a public unicast one (not private, loopback, link-local —
the cloud metadata address 169.254.169.254 included —, shared/CGNAT, multicast, reserved or
unspecified), unless WEBHOOK_ALLOW_PRIVATE is on (loopback test servers, `make run`; then
plain http passes too). The returned Target carries the checked address, so a sender can pin
the connection to it (events/egress.py does: DNS rebinding cannot move it).
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_CHARS = 2000


class UnsafeURL(ValueError):
    """A URL the server may not call; the message says why (shown to the user as the field)."""


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


def check_url(url: str, *, schemes: tuple[str, ...] = ("http", "https")) -> Target:
    """Parse, resolve and check a URL of `schemes` (http is also allowed under
    WEBHOOK_ALLOW_PRIVATE); UnsafeURL says what is wrong with it."""
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
    allowed = schemes + (("http",) if settings.WEBHOOK_ALLOW_PRIVATE else ())
    if parts.scheme not in allowed:
        raise UnsafeURL(f"Only {' and '.join(sorted(set(allowed)))} URLs are accepted.")
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
