"""APNs through aioapns (HTTP/2, token-based auth: an ES256 JWT from the team's .p8 key).

aioapns names Apple's host on its protocol class and has no host option; its proxy route
(`proxy_host`) hands a socket still owned by one transport to another, which Python 3.12's
asyncio refuses. So when APNS_HOST is set (a gateway, or the tests' loopback server) the
pool's `protocol_class` is a subclass naming that host and port; everything else, HTTP/2,
the JWT and the answers, is the library's.
"""

import asyncio
import logging
import ssl

from aioapns import APNs, NotificationRequest, PushType
from aioapns.connection import APNsDevelopmentClientProtocol, APNsProductionClientProtocol
from django.conf import settings

from push.senders import Push

logger = logging.getLogger(__name__)

# APNs reasons that mean the token will never work again (Apple's "Handling notification
# responses from APNs"): 410 Unregistered, 400 BadDeviceToken / DeviceTokenNotForTopic.
DEAD_REASONS = {"Unregistered", "BadDeviceToken", "DeviceTokenNotForTopic"}


class ApnsNotConfigured(RuntimeError):
    pass


def _client() -> APNs:
    """A client for this event loop (aioapns binds its pool to the loop that creates it)."""
    if (
        not (settings.APNS_KEY_FILE and settings.APNS_KEY_ID and settings.APNS_TEAM_ID)
        or not settings.APNS_TOPIC
    ):
        raise ApnsNotConfigured("APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC")
    with open(settings.APNS_KEY_FILE) as key_file:
        key = key_file.read()
    context = ssl.create_default_context(cafile=settings.APNS_CA_FILE or None)
    client = APNs(
        key=key,
        key_id=settings.APNS_KEY_ID,
        team_id=settings.APNS_TEAM_ID,
        topic=settings.APNS_TOPIC,
        use_sandbox=settings.APNS_USE_SANDBOX,
        ssl_context=context,
        max_connection_attempts=2,
    )
    if settings.APNS_HOST:
        base = (
            APNsDevelopmentClientProtocol
            if settings.APNS_USE_SANDBOX
            else APNsProductionClientProtocol
        )
        client.pool.protocol_class = type(
            "ConfiguredAPNsProtocol",
            (base,),
            {"APNS_SERVER": settings.APNS_HOST, "APNS_PORT": settings.APNS_PORT},
        )
    return client


def _message(push: Push) -> dict:
    return {
        "aps": {"alert": {"title": push.title, "body": push.body}, "sound": "default"},
        **push.data,
    }


async def _send_all(pushes: list[Push]) -> list:
    client = _client()
    timeout = settings.PUSH_HTTP_TIMEOUT

    async def one(push: Push):
        request = NotificationRequest(
            device_token=push.token, message=_message(push), push_type=PushType.ALERT
        )
        try:
            result = await asyncio.wait_for(client.send_notification(request), timeout)
        except Exception as error:  # connection refused, timeout, max attempts
            logger.warning("apns push to device %s failed: %r", push.device_id, error)
            return None
        if result.is_successful:
            return None
        if result.description in DEAD_REASONS:
            return push.device_id
        logger.warning(
            "apns refused device %s: %s %s", push.device_id, result.status, result.description
        )
        return None

    try:
        results = await asyncio.gather(*(one(push) for push in pushes))
    finally:
        client.pool.close()
    return [device_id for device_id in results if device_id is not None]


def send_apns(pushes: list[Push]) -> list:
    """Send every push over one HTTP/2 connection pool; ids of dead tokens back."""
    try:
        return asyncio.run(_send_all(pushes))
    except ApnsNotConfigured as error:
        logger.warning("apns not configured (%s): %d pushes dropped", error, len(pushes))
        return []
    except OSError as error:  # the key file
        logger.warning("apns key unreadable: %s", error)
        return []
