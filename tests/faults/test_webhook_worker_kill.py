"""Webhooks survive a real Celery worker killed with SIGKILL: the event still reaches the
loopback receiver (which verifies it with standardwebhooks), once per event id.

- Killed between the commit and the send: the events are committed while the worker is
  frozen (SIGSTOP), then it is killed; whatever the broker did with the messages, the
  outbox sweeper run by a fresh worker dispatches them and each arrives exactly once.
- Killed mid-send (the receiver has the request, the worker dies before the answer): the
  attempt's lease runs out, the sweeper's retry carries the same `webhook-id`, and the log
  keeps the dead attempt (no outcome) and the successful one.
"""

import os
import signal
import threading
from collections import Counter

import pytest

from accounts.services.users import follow_user
from events.models import DeliveryAttempt, Event, WebhookDelivery
from events.services.webhooks import create_endpoint
from events.tasks import sweep_outbox
from tests.events.receiver import running_receiver
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "WEBHOOK_ALLOW_PRIVATE": "1",
    "WEBHOOK_CLAIM_SECONDS": "3",
    "EVENTS_SWEEP_GRACE_SECONDS": "0",
}


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with running_receiver() as r:
        yield r


def _sweep_until(predicate, worker, what: str, timeout: float = 60):
    """Play beat: send the outbox sweep to the worker until `predicate()` holds."""

    def done():
        if predicate():
            return True
        sweep_outbox.delay()
        return False

    try:
        wait_for(done, timeout=timeout, interval=1.5, what=what)
    except pytest.fail.Exception:
        print(worker.log()[-4000:])
        raise


def test_worker_killed_between_commit_and_send_each_event_arrives_once(
    start_worker, receiver, user, make_user
):
    endpoint = create_endpoint(user, url=receiver.url, events=["user.followed"])
    receiver.secret = endpoint.secret
    first = start_worker(**WORKER_ENV)
    os.killpg(first.proc.pid, signal.SIGSTOP)  # alive but frozen: takes messages, sends nothing
    followers = [make_user() for _ in range(5)]
    for follower in followers:
        follow_user(follower, user)  # commits; dispatch enqueued on commit
    first.kill()
    assert receiver.received == []
    assert Event.objects.filter(type="user.followed").count() == 5

    fresh = start_worker(**WORKER_ENV)
    _sweep_until(lambda: len(receiver.accepted()) >= 5, fresh, "all five deliveries")

    event_ids = {str(pk) for pk in Event.objects.values_list("pk", flat=True)}
    assert Counter(r.webhook_id for r in receiver.received) == dict.fromkeys(event_ids, 1)
    assert all(r.verified for r in receiver.received)
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert list(WebhookDelivery.objects.values_list("status", "attempts").distinct()) == [
        ("succeeded", 1)
    ]


def test_worker_killed_mid_send_the_retry_keeps_the_webhook_id(
    start_worker, receiver, user, other_user
):
    endpoint = create_endpoint(user, url=receiver.url, events=["user.followed"])
    receiver.secret = endpoint.secret
    release = threading.Event()
    receiver.plan = [("hold", release)]
    try:
        first = start_worker(**WORKER_ENV)
        follow_user(other_user, user)
        wait_for(lambda: receiver.received, timeout=30, what="the first attempt to arrive")
        first.kill()  # the receiver holds the request: no answer ever reached the worker

        fresh = start_worker(**WORKER_ENV)
        _sweep_until(lambda: receiver.accepted(), fresh, "the retry after the lease")
    finally:
        release.set()

    held, retried = receiver.received[:2]
    assert held.webhook_id == retried.webhook_id == str(Event.objects.get().pk)
    assert held.body == retried.body
    assert len({r.webhook_id for r in receiver.accepted()}) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    log = list(DeliveryAttempt.objects.order_by("attempt").values_list("attempt", "finished_at"))
    assert log[0] == (1, None)  # the dead worker's attempt: started, no outcome
    assert log[1][0] == 2 and log[1][1] is not None
