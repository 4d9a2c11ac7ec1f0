"""Where the server may send a request a user chose the address of (SSRF guard).

A WebPush subscription names a URL the server will POST to; like a webhook URL, it must not
reach this network's private side. `check_public_url` resolves the host and refuses private,
loopback, link-local (the cloud metadata address 169.254.169.254 included), multicast,
reserved and unspecified addresses, unless settings.WEBHOOK_ALLOW_PRIVATE is on. It is called
when a device registers and again before each send (a name may resolve elsewhere later).

The events lane writes the same rule for webhook URLs; the two fold into one at merge.
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

MAX_URL_CHARS = 2000


class ForbiddenAddress(ValueError):
    """The URL is malformed, not https, or its host resolves to a refused address."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_public_url(url: str, *, schemes: tuple[str, ...] = ("https",)) -> None:
    """Raise ForbiddenAddress unless `url` is a well-formed URL of `schemes` whose host
    resolves only to public addresses (with WEBHOOK_ALLOW_PRIVATE, http and any address pass,
    for loopback test servers and `make run`)."""
    if not isinstance(url, str) or len(url) > MAX_URL_CHARS:
        raise ForbiddenAddress(f"Must be a URL of at most {MAX_URL_CHARS} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ForbiddenAddress("Not a valid URL.") from None
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE
    allowed = schemes + (("http",) if allow_private else ())
    if parts.scheme not in allowed:
        raise ForbiddenAddress(f"The URL must use {' or '.join(allowed)}.")
    if not parts.hostname:
        raise ForbiddenAddress("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise ForbiddenAddress("The URL must not carry credentials.")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ForbiddenAddress("The URL's host does not resolve.") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if _refused(address):
            raise ForbiddenAddress("The URL's host is a private, loopback or link-local address.")
