"""Webhook fixtures: loopback receivers that verify signatures, endpoints registered through
the service (private addresses allowed for loopback, as in local development)."""

import pytest

from events.services.webhooks import create_endpoint
from tests.events.receiver import running_receiver


@pytest.fixture
def receiver():
    with running_receiver() as r:
        yield r


@pytest.fixture
def other_receiver():
    with running_receiver() as r:
        yield r


@pytest.fixture
def fast_webhooks(settings):
    """Loopback allowed, retries without waiting, short timeouts (no time is asserted)."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.WEBHOOK_RETRY_SCHEDULE = [0, 0]
    settings.WEBHOOK_RETRY_JITTER = 0.0
    settings.WEBHOOK_TIMEOUT_SECONDS = 1.0
    settings.WEBHOOK_CONNECT_TIMEOUT_SECONDS = 1.0
    settings.EVENTS_SWEEP_GRACE_SECONDS = 0
    return settings


@pytest.fixture
def subscribe(fast_webhooks):
    """subscribe(user, receiver, events) → the endpoint; the receiver learns its secret."""

    def _subscribe(user, receiver, events):
        endpoint = create_endpoint(user, url=receiver.url, events=events)
        receiver.secret = endpoint.secret
        return endpoint

    return _subscribe
