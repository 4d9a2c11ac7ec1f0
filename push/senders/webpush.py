"""WebPush through pywebpush: aes128gcm payload encryption (RFC 8291) and VAPID (RFC 8292).

The endpoint is a URL the browser chose: it passes config/netguard.py before each send, and the
session follows no redirect (a 3xx could point anywhere), so a push never reaches a private
address unless WEBHOOK_ALLOW_PRIVATE is on.
"""

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from config.netguard import UnsafeURL, check_url
from push.senders import Push
from push.vapid import vapid_key

logger = logging.getLogger(__name__)

# The push service's answers that mean "this subscription is gone" (RFC 8030 section 7.3).
DEAD_STATUSES = {404, 410}


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per sending thread (requests sessions are not thread-safe)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
        session.max_redirects = 0  # a redirect raises TooManyRedirects, never followed
    return session


def _send_one(push: Push, key) -> bool:
    """True when the push service says the subscription is gone."""
    try:
        check_url(push.token, schemes=("https",))
    except UnsafeURL as error:
        logger.warning("webpush endpoint of device %s refused: %s", push.device_id, error)
        return False
    payload = json.dumps({"title": push.title, "body": push.body, "data": push.data})
    try:
        webpush(
            {"endpoint": push.token, "keys": {"p256dh": push.p256dh, "auth": push.auth}},
            data=payload,
            vapid_private_key=key,
            # A new dict each time: pywebpush writes the endpoint's origin into it as `aud`.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            content_encoding="aes128gcm",
            timeout=settings.PUSH_HTTP_TIMEOUT,
            ttl=24 * 3600,
            requests_session=_session(),
        )
    except WebPushException as error:
        status = error.response.status_code if error.response is not None else None
        if status in DEAD_STATUSES:
            return True
        logger.warning("webpush to device %s failed: %s", push.device_id, error)
    except requests.RequestException as error:
        logger.warning("webpush to device %s failed: %s", push.device_id, error)
    return False


def send_webpush(pushes: list[Push]) -> list:
    """Encrypt and POST each push to its subscription's endpoint, PUSH_CONCURRENCY at a time
    (a push service is a network round trip away); ids of dead subscriptions back."""
    key = vapid_key()
    workers = max(1, min(settings.PUSH_CONCURRENCY, len(pushes)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webpush") as pool:
        gone = list(pool.map(lambda push: _send_one(push, key), pushes))
    return [push.device_id for push, is_gone in zip(pushes, gone, strict=True) if is_gone]
