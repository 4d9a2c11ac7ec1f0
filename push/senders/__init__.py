"""One sender per push platform, each a thin layer over a maintained library.

Every sender takes a list of `Push` (device + payload) and returns the ids of the devices the
push service called dead (unsubscribed, unregistered, bad token), which the caller deletes.
Other failures (timeouts, 5xx, a throttled answer) are logged and the push is dropped: a
notification is still in the app, and retrying a push hours later is worse than none.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Push:
    device_id: Any
    token: str  # APNs / FCM token, or the WebPush endpoint
    p256dh: str
    auth: str
    title: str
    body: str
    data: dict[str, str]
