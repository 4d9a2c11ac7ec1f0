"""FCM HTTP v1 through pyfcm: OAuth 2 access tokens from the service account (google-auth),
`POST {FCM_API_BASE}/{project}/messages:send`.

pyfcm keeps the FCM base URL in the class attribute `FCM_END_POINT_BASE`; a subclass sets it
from FCM_API_BASE (the tests point it, and the service account's `token_uri`, at loopback
servers). One client per process and configuration, so its access token is reused.
"""

import functools
import logging
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyfcm import FCMNotification
from pyfcm.errors import FCMError

from push.senders import Push

logger = logging.getLogger(__name__)


@functools.cache
def _client(credentials_file: str, project_id: str, api_base: str) -> FCMNotification:
    configured = type("ConfiguredFCM", (FCMNotification,), {"FCM_END_POINT_BASE": api_base})
    return configured(service_account_file=credentials_file, project_id=project_id or None)


@receiver(setting_changed)
def _reset_client(setting, **kwargs) -> None:
    if setting.startswith("FCM_"):
        _client.cache_clear()


def _is_dead(response: requests.Response) -> bool:
    """404, or FcmError `UNREGISTERED` (the app was uninstalled, the token expired)."""
    if response.status_code == 404:
        return True
    try:
        details = response.json().get("error", {}).get("details", [])
    except (ValueError, AttributeError):
        return False
    return any(
        isinstance(detail, dict) and detail.get("errorCode") == "UNREGISTERED" for detail in details
    )


def _send_one(client: FCMNotification, push: Push) -> bool:
    """True when FCM says the token is dead."""
    payload = client.parse_payload(
        fcm_token=push.token,
        notification_title=push.title,
        notification_body=push.body,
        data_payload=push.data,
    )
    try:
        response = client.send_request(payload, timeout=settings.PUSH_HTTP_TIMEOUT)
    except (requests.RequestException, FCMError) as error:
        logger.warning("fcm push to device %s failed: %s", push.device_id, error)
        return False
    if response.status_code == 200:
        return False
    if _is_dead(response):
        return True
    logger.warning(
        "fcm refused device %s: %s %s", push.device_id, response.status_code, response.text[:200]
    )
    return False


def send_fcm(pushes: list[Push]) -> list:
    """One HTTP v1 request per token (v1 has no multicast), PUSH_CONCURRENCY at a time
    (pyfcm keeps a session per thread); ids of dead tokens back."""
    if not settings.FCM_CREDENTIALS_FILE:
        logger.warning("fcm not configured: %d pushes dropped", len(pushes))
        return []
    client = _client(settings.FCM_CREDENTIALS_FILE, settings.FCM_PROJECT_ID, settings.FCM_API_BASE)
    workers = max(1, min(settings.PUSH_CONCURRENCY, len(pushes)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fcm") as pool:
        gone = list(pool.map(lambda push: _send_one(client, push), pushes))
    return [push.device_id for push, is_gone in zip(pushes, gone, strict=True) if is_gone]
