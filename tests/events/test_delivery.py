"""Deliveries end to end against loopback receivers that verify with standardwebhooks:
signed, only subscribed types, retried with the same webhook-id, capped in time and size,
refused at send time for private addresses, never sent for a rolled-back change."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from openai import OpenAI
from standardwebhooks import Webhook

from accounts.models import Notification
from accounts.services.users import follow_user
from events.models import DeliveryAttempt, Event, WebhookDelivery, WebhookEndpoint
from events.services.webhooks import sweep_outbox
from generation.models import GenerationJob
from generation.services.pipeline import fail_job
from tests.factories import JobFactory, VideoFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _like(auth_client, user, video):
    response = auth_client(user).post(f"/api/v1/videos/{video.id}/like")
    assert response.status_code == 201, response.content
    return response


def test_like_is_delivered_signed_in_the_documented_shape(
    subscribe, receiver, user, other_user, auth_client
):
    endpoint = subscribe(user, receiver, ["video.liked"])
    video = VideoFactory(author=user)
    _like(auth_client, other_user, video)

    [delivery] = receiver.wait(1)
    event = Event.objects.get(type="video.liked")
    assert delivery.webhook_id == str(event.id)
    # The customer's own check, with the library: what the receiver did on arrival.
    assert Webhook(endpoint.secret).verify(delivery.body, delivery.headers) == delivery.payload
    body = delivery.payload
    assert body["type"] == "video.liked"
    assert body["id"] == str(event.id)
    assert body["data"] == {"video": str(video.id), "actor": other_user.pk}
    assert body["timestamp"].endswith("Z") and len(body["timestamp"]) == 24  # ms precision
    assert delivery.headers["webhook-signature"].startswith("v1,")
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SUCCEEDED


def test_a_wrong_secret_does_not_verify(subscribe, receiver, user, other_user, auth_client):
    subscribe(user, receiver, ["video.liked"])
    receiver.secret = "whsec_" + "A" * 32  # not the endpoint's
    _like(auth_client, other_user, VideoFactory(author=user))
    assert receiver.accepted() == []
    # Refused (400) each time: retried per the schedule, never verified.
    assert [(r.verified, r.answered) for r in receiver.received] == [(False, 400)] * 3


def test_only_subscribed_types_are_delivered(
    subscribe, receiver, other_receiver, user, other_user, auth_client
):
    subscribe(user, receiver, ["video.published"])
    subscribe(user, other_receiver, ["user.followed"])
    _like(auth_client, other_user, VideoFactory(author=user))
    follow_user(other_user, user)

    assert [r.payload["type"] for r in other_receiver.wait(1)] == ["user.followed"]
    # The like had no subscriber: written to the outbox already dispatched, nothing enqueued.
    like = Event.objects.get(type="video.liked")
    assert like.dispatched_at is not None
    assert not WebhookDelivery.objects.filter(event=like).exists()
    assert [r.payload["type"] for r in receiver.received] == ["video.published"]


def test_another_users_events_do_not_reach_my_endpoint(
    subscribe, receiver, make_user, user, other_user, auth_client
):
    subscribe(user, receiver, ["video.liked"])
    carol = make_user("carol")
    _like(auth_client, carol, VideoFactory(author=other_user))
    assert receiver.received == []


def test_a_failing_receiver_is_retried_with_the_same_webhook_id(
    subscribe, receiver, user, other_user, auth_client
):
    endpoint = subscribe(user, receiver, ["user.followed"])
    receiver.plan = [503]
    follow_user(other_user, user)

    [accepted] = receiver.wait(1)
    assert [r.answered for r in receiver.received] == [503, 200]
    first, second = receiver.received
    assert first.webhook_id == second.webhook_id == accepted.webhook_id
    assert first.body == second.body

    response = auth_client(user).get(f"/api/v1/me/webhooks/{endpoint.id}/deliveries")
    assert response.status_code == 200
    attempts = response.json()["results"]
    assert [(a["attempt"], a["status_code"], a["succeeded"]) for a in attempts] == [
        (2, 200, True),
        (1, 503, False),
    ]
    assert {a["event_id"] for a in attempts} == {accepted.webhook_id}
    assert attempts[1]["next_attempt_at"] is not None
    assert WebhookEndpoint.objects.get().failing_since is None  # a success clears it


def test_persistent_failure_disables_the_endpoint_and_tells_its_owner(
    subscribe, receiver, user, other_user, make_user
):
    endpoint = subscribe(user, receiver, ["user.followed"])
    receiver.plan = [500, 500, 500]  # the schedule [0, 0]: three attempts in all
    follow_user(other_user, user)

    assert [r.answered for r in receiver.received] == [500, 500, 500]
    endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    note = Notification.objects.get(recipient=user, kind=Notification.Kind.WEBHOOK_DISABLED)
    assert note.data["webhook"] == str(endpoint.id)

    follow_user(make_user("carol"), user)  # nothing more goes to a disabled endpoint
    assert len(receiver.received) == 3


def test_a_slow_receiver_times_out_and_is_retried(
    subscribe, receiver, user, other_user, fast_webhooks
):
    fast_webhooks.WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(user, receiver, ["user.followed"])
    receiver.plan = [("sleep", 1.5)]
    follow_user(other_user, user)

    first, second = DeliveryAttempt.objects.order_by("attempt")
    assert (first.status_code, first.error, first.succeeded) == (None, "timeout", False)
    assert second.succeeded


def test_a_dripping_or_huge_answer_is_cut_off(subscribe, receiver, user, other_user, make_user):
    subscribe(user, receiver, ["user.followed"])
    receiver.plan = [("drip", 0.05), ("huge", 20 * 1024 * 1024)]
    follow_user(other_user, user)  # attempt 1 drips a billion-byte body one byte at a time
    follow_user(make_user("carol"), user)  # 20 MB in one go

    attempts = list(DeliveryAttempt.objects.order_by("delivery_id", "attempt"))
    # Both answered 200: the worker stopped reading at the deadline / the byte cap.
    assert [(a.status_code, a.succeeded) for a in attempts] == [(200, True), (200, True)]


def test_redirects_are_not_followed(subscribe, receiver, other_receiver, user, other_user):
    subscribe(user, receiver, ["user.followed"])
    receiver.plan = [("redirect", other_receiver.url)] * 3
    follow_user(other_user, user)

    assert other_receiver.received == []
    assert [a.status_code for a in DeliveryAttempt.objects.order_by("attempt")] == [302] * 3
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_a_private_address_is_refused_again_at_send_time(
    subscribe, receiver, user, other_user, fast_webhooks
):
    subscribe(user, receiver, ["user.followed"])  # registered while private was allowed
    fast_webhooks.WEBHOOK_ALLOW_PRIVATE = False
    follow_user(other_user, user)

    assert receiver.received == []  # no connection was made
    errors = list(DeliveryAttempt.objects.values_list("error", flat=True))
    assert errors and all(e.startswith("refused:") for e in errors)


def test_the_connection_keeps_the_host_name_it_resolved(subscribe, receiver, user, other_user):
    """`localhost` is resolved and checked once; the request goes to that address with the
    host name in the Host header."""
    receiver.host = "localhost"
    subscribe(user, receiver, ["user.followed"])
    follow_user(other_user, user)
    [delivery] = receiver.wait(1)
    assert delivery.headers["host"] == f"localhost:{receiver.port}"


def test_a_rolled_back_change_sends_nothing(subscribe, receiver, user, other_user):
    subscribe(user, receiver, ["user.followed"])
    with pytest.raises(RuntimeError), transaction.atomic():
        follow_user(other_user, user)
        raise RuntimeError("the change fails after the follow was written")

    assert not Event.objects.exists()
    assert sweep_outbox()["dispatched"] == 0
    assert receiver.received == []


@pytest.mark.django_db  # one test transaction: on-commit callbacks are captured, not run
def test_the_sweeper_dispatches_what_no_worker_did_once(
    subscribe, receiver, user, other_user, django_capture_on_commit_callbacks
):
    subscribe(user, receiver, ["user.followed"])
    # The process dies between commit and the on-commit dispatch: its callbacks never run.
    with django_capture_on_commit_callbacks(execute=False) as lost:
        follow_user(other_user, user)
    assert lost and receiver.received == []  # the dispatch (and the push announce) never ran

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_outbox()["dispatched"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_outbox()["dispatched"] == 0  # nothing left: the second sweep sends nothing
    [delivery] = receiver.wait(1)
    assert delivery.webhook_id == str(Event.objects.get().id)
    assert len(receiver.received) == 1


def test_video_failed_is_what_the_openai_sdk_unwraps(subscribe, receiver, user):
    subscribe(user, receiver, ["video.failed", "video.completed"])
    job = JobFactory(user=user, status=GenerationJob.Status.RENDERING, idempotency_key="k1")
    assert fail_job(job, "render_error", "The renderer crashed.")

    [delivery] = receiver.wait(1)
    client = OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    event = client.webhooks.unwrap(delivery.body, delivery.headers, secret=receiver.secret)
    assert event.type == "video.failed"
    assert event.id == delivery.webhook_id
    assert event.data.id == str(job.id)  # the /v1/videos id of the job
    assert event.object == "event"
    assert isinstance(event.created_at, int)


def test_the_openai_sdk_rejects_a_tampered_video_event(subscribe, receiver, user):
    from openai import InvalidWebhookSignatureError

    subscribe(user, receiver, ["video.failed"])
    job = JobFactory(user=user, status=GenerationJob.Status.QUEUED, idempotency_key="k2")
    fail_job(job, "render_error", "x")
    [delivery] = receiver.wait(1)
    tampered = delivery.body.replace(str(job.id).encode(), str(uuid.uuid4()).encode())
    client = OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(InvalidWebhookSignatureError):
        client.webhooks.unwrap(tampered, delivery.headers, secret=receiver.secret)


def test_a_job_the_policy_blocks_emits_video_failed(
    subscribe, receiver, user, auth_client, settings
):
    settings.GENERATION_PROMPT_CHECKS = ["tests.generation.policy_checks.block_word_dragon"]
    subscribe(user, receiver, ["video.failed"])
    response = auth_client(user).post(
        "/api/v1/generations",
        {"prompt": "A dragon over the city"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.json()["status"] == "blocked"

    [delivery] = receiver.wait(1)
    client = OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    event = client.webhooks.unwrap(delivery.body, delivery.headers, secret=receiver.secret)
    assert (event.type, event.data.id) == ("video.failed", response.json()["id"])


def test_publishing_and_comments_reach_their_subscribers(
    subscribe, receiver, other_receiver, user, other_user, auth_client
):
    subscribe(user, receiver, ["video.published", "comment.created"])
    video = VideoFactory(author=user)
    response = auth_client(other_user).post(
        f"/api/v1/videos/{video.id}/comments", {"body": "lovely"}, format="json"
    )
    assert response.status_code == 201
    types = [r.payload["type"] for r in receiver.wait(2)]
    assert types == ["video.published", "comment.created"]
    assert receiver.accepted()[0].payload["data"]["video"] == str(video.id)


def test_held_delivery_is_not_sent_twice_by_a_concurrent_sweep(
    subscribe, receiver, user, other_user
):
    """While an attempt holds its lease, the sweeper finds nothing due."""
    subscribe(user, receiver, ["user.followed"])
    release = threading.Event()
    receiver.plan = [("hold", release)]

    def follow_in_thread():
        try:
            follow_user(other_user, user)
        finally:
            connection.close()

    worker = threading.Thread(target=follow_in_thread)
    worker.start()
    try:
        while not receiver.received:
            threading.Event().wait(0.05)
        assert sweep_outbox()["due"] == 0
    finally:
        release.set()
        worker.join(10)
    assert [r.answered for r in receiver.received] == [200]


@pytest.mark.slow
def test_a_rendered_job_sends_video_completed_the_openai_sdk_unwraps(
    subscribe, receiver, user, auth_client
):
    subscribe(user, receiver, ["video.completed"])
    response = auth_client(user).post(
        "/api/v1/generations",
        {"prompt": "A lighthouse at dusk, waves below.", "seconds": 4, "seed": 3},
        format="json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 202
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == GenerationJob.Status.SUCCEEDED, (job.error_code, job.error_message)

    [delivery] = receiver.wait(1)
    client = OpenAI(
        api_key="unused", base_url="http://127.0.0.1:9/v1", webhook_secret=receiver.secret
    )
    event = client.webhooks.unwrap(delivery.body, delivery.headers)
    assert (event.type, event.data.id) == ("video.completed", str(job.id))
    # The same id the OpenAI-compatible API serves the video under.
    assert auth_client(user).get(f"/v1/videos/{event.data.id}").json()["status"] == "completed"


def test_https_certificates_are_verified_on_the_pinned_connection(
    subscribe, user, other_user, tmp_path
):
    """An https endpoint is reached on the checked address with the host name as SNI, and
    its certificate is verified: a self-signed one is a `tls error`, nothing is delivered."""
    from tests.events.receiver import running_receiver, self_signed_context

    with running_receiver(host="127.0.0.1", tls=self_signed_context(tmp_path)) as tls_receiver:
        tls_receiver.host = "localhost"  # the name in the certificate and in the URL
        subscribe(user, tls_receiver, ["user.followed"])
        follow_user(other_user, user)
        assert tls_receiver.received == []
    errors = set(DeliveryAttempt.objects.values_list("error", flat=True))
    assert errors == {"tls error"}
