"""WebPush through pywebpush: aes128gcm payload encryption (RFC 8291) and VAPID (RFC 8292).

The endpoint is a URL the browser chose: it passes push.netguard before each send, and the
session follows no redirect (a 3xx could point anywhere), so a push never reaches a private
address unless WEBHOOK_ALLOW_PRIVATE is on.
"""

import json
import logging

import requests
from django.conf import settings
from pywebpush import WebPushException, webpush

from push.netguard import ForbiddenAddress, check_public_url
from push.senders import Push
from push.vapid import vapid_key

logger = logging.getLogger(__name__)

# The push service's answers that mean "this subscription is gone" (RFC 8030 section 7.3).
DEAD_STATUSES = {404, 410}


def _session() -> requests.Session:
    session = requests.Session()
    session.max_redirects = 0  # a redirect raises TooManyRedirects instead of being followed
    return session


def send_webpush(pushes: list[Push]) -> list:
    """Encrypt and POST each push to its subscription's endpoint; ids of dead ones back."""
    dead = []
    key = vapid_key()
    session = _session()
    for push in pushes:
        try:
            check_public_url(push.token)
        except ForbiddenAddress as error:
            logger.warning("webpush endpoint of device %s refused: %s", push.device_id, error)
            continue
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
                requests_session=session,
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in DEAD_STATUSES:
                dead.append(push.device_id)
            else:
                logger.warning("webpush to device %s failed: %s", push.device_id, error)
        except requests.RequestException as error:
            logger.warning("webpush to device %s failed: %s", push.device_id, error)
    return dead
