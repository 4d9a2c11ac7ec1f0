"""Webhook endpoints and their deliveries: register, fan out, send signed, retry, disable.

Flow: `record_event` (outbox) → `dispatch_event` (after commit, or the sweeper) creates one
WebhookDelivery per subscribed endpoint, at most once (unique (endpoint, event)) → the
`send_webhook` task claims it with a conditional UPDATE (attempt + 1, a lease), logs the
attempt, POSTs the body signed per Standard Webhooks with the endpoint's secret
(`webhook-id` = the event id, unchanged on a retry), and records the outcome: success, a
retry at the next step of WEBHOOK_RETRY_SCHEDULE (with jitter), or — schedule spent while
the endpoint failed the whole time — the endpoint disabled and its owner notified.
"""

import logging
import random
import secrets
from base64 import b64encode
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError
from standardwebhooks import Webhook

from accounts.models import Notification, User
from accounts.services.notifications import notify
from config.tasks import enqueue_now, enqueue_on_commit
from events import egress
from events.event_types import EventType
from events.models import DeliveryAttempt, Event, WebhookDelivery, WebhookEndpoint
from events.payloads import event_bytes
from events.task_names import SEND_WEBHOOK

logger = logging.getLogger(__name__)

USER_AGENT = "Cutaway-Webhooks/1.1"


# --- endpoints ------------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (Standard Webhooks' secret format)."""
    return "whsec_" + b64encode(secrets.token_bytes(24)).decode()


def check_events(events: Any) -> list[str]:
    if not isinstance(events, list) or not events:
        raise ValidationError({"events": ["A non-empty list of event types."]})
    unknown = [e for e in events if not isinstance(e, str) or e not in EventType.values]
    if unknown:
        raise ValidationError(
            {"events": [f"Unknown event types: {unknown!r}; one of {', '.join(EventType)}."]}
        )
    return sorted(set(events))


def create_endpoint(user: User, *, url: str, events: Any) -> WebhookEndpoint:
    """Register a webhook: the URL must resolve to public addresses now (checked again at
    every send); returns the endpoint with its secret, which the API shows this once."""
    try:
        egress.check_url(url)
    except egress.UnsafeURL as exc:
        raise ValidationError({"url": [str(exc)]}) from None
    types = check_events(events)
    if user.webhook_endpoints.filter(disabled_at__isnull=True).count() >= (
        settings.WEBHOOK_MAX_ENDPOINTS
    ):
        raise ValidationError(
            {"url": [f"At most {settings.WEBHOOK_MAX_ENDPOINTS} webhooks per account."]}
        )
    return WebhookEndpoint.objects.create(user=user, url=url, events=types, secret=new_secret())


def access_endpoint(user: User, endpoint_id: Any) -> WebhookEndpoint:
    """The caller's endpoint; the same 404 for another user's id, a malformed or absent one."""
    try:
        return WebhookEndpoint.objects.get(pk=endpoint_id, user=user)
    except (WebhookEndpoint.DoesNotExist, DjangoValidationError, ValueError):
        raise NotFound("No such webhook.") from None


def delete_endpoint(user: User, endpoint_id: Any) -> None:
    """Remove the endpoint, its deliveries and their log (nothing more is sent to it)."""
    access_endpoint(user, endpoint_id).delete()


def endpoint_attempts(endpoint: WebhookEndpoint) -> QuerySet[DeliveryAttempt]:
    """The endpoint's delivery log, newest first (event and delivery joined: no N+1)."""
    return DeliveryAttempt.objects.filter(delivery__endpoint=endpoint).select_related(
        "delivery__event"
    )


def erase_user_webhooks(user: User) -> int:
    """Account erasure: the user's endpoints (deliveries and log cascade) and their events."""
    deleted, _ = WebhookEndpoint.objects.filter(user=user).delete()
    Event.objects.filter(user=user).delete()
    return deleted


# --- fan-out --------------------------------------------------------------------------


def dispatch_event(event_id: Any, *, send_now: bool = True) -> int:
    """Create the event's deliveries (once: the event row is locked, `dispatched_at` set in
    the same transaction), then make their first attempts here, after that commit (one task
    per event rather than two: retries go through `send_webhook`); returns how many were
    created. A worker killed in between leaves them due: the sweeper sends them."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True)
            .first()
        )
        if event is None:
            return 0  # dispatched already, being dispatched, or rolled back
        now = timezone.now()
        endpoints = [
            endpoint
            for endpoint in WebhookEndpoint.objects.filter(
                user_id=event.user_id, disabled_at__isnull=True, created_at__lte=event.created_at
            )
            if event.type in endpoint.events
        ]
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(endpoint=e, event=event, next_attempt_at=now) for e in endpoints],
            ignore_conflicts=True,
        )
        Event.objects.filter(pk=event.pk).update(dispatched_at=now)
        pending = list(
            WebhookDelivery.objects.filter(
                event=event, status=WebhookDelivery.Status.PENDING
            ).values_list("pk", flat=True)
        )
    if not send_now or transaction.get_connection().in_atomic_block:
        # The sweeper (many events: one task per send), or inside a caller's transaction
        # (send only once it commits).
        for delivery_id in pending:
            enqueue_on_commit(SEND_WEBHOOK, delivery_id)
    else:
        for delivery_id in pending:
            send_delivery(delivery_id)
    return len(deliveries)


# --- one attempt ----------------------------------------------------------------------


def _claim(delivery_id: int) -> tuple[WebhookDelivery, DeliveryAttempt] | None:
    """Take the due delivery for one attempt: attempt + 1 and a lease in one conditional
    UPDATE (a second worker, or a redelivered message, finds nothing due), and the attempt's
    log row, in one transaction."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.WEBHOOK_CLAIM_SECONDS)
    with transaction.atomic():
        claimed = WebhookDelivery.objects.filter(
            pk=delivery_id, status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=lease)
        if not claimed:
            return None
        delivery = WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)
        attempt = DeliveryAttempt.objects.create(
            delivery=delivery, attempt=delivery.attempts, created_at=now
        )
    return delivery, attempt


def signed_headers(endpoint: WebhookEndpoint, event: Event, body: bytes) -> dict[str, str]:
    """Standard Webhooks headers: the id is the event's (a retry keeps it), the timestamp
    is this attempt's (receivers refuse stale ones), the signature covers both and the body."""
    now = timezone.now()
    signature = Webhook(endpoint.secret).sign(
        msg_id=str(event.id), timestamp=now, data=body.decode()
    )
    return {
        "webhook-id": str(event.id),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def send_delivery(delivery_id: int) -> str:
    """One attempt at a due delivery; returns what happened (for logs and tests)."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "not_due"
    delivery, attempt = claimed
    endpoint, event = delivery.endpoint, delivery.event
    if endpoint.disabled_at is not None:
        _finish_attempt(delivery, attempt, status_code=None, error="endpoint disabled", ok=False)
        _give_up(delivery)
        return "disabled"
    body = event_bytes(event)
    status_code, error = None, ""
    try:
        answer = egress.post(endpoint.url, body, signed_headers(endpoint, event, body))
        status_code = answer.status
        ok = 200 <= answer.status < 300
        if not ok:
            error = f"HTTP {answer.status}"
        duration = answer.duration_ms
    except egress.DeliveryError as exc:
        ok, error, duration = False, str(exc)[:255], None
    _finish_attempt(
        delivery, attempt, status_code=status_code, error=error, ok=ok, duration_ms=duration
    )
    if ok:
        return "succeeded"
    return _after_failure(delivery, attempt)


def _finish_attempt(delivery, attempt, *, status_code, error, ok, duration_ms=None) -> None:
    now = timezone.now()
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        status_code=status_code,
        error=error,
        succeeded=ok,
        duration_ms=duration_ms,
        finished_at=now,
    )
    if ok:
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=WebhookDelivery.Status.SUCCEEDED, next_attempt_at=None
            )
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(failing_since=None)


def retry_delay(attempt: int) -> float | None:
    """Seconds before attempt `attempt + 1` (WEBHOOK_RETRY_SCHEDULE, ± WEBHOOK_RETRY_JITTER so
    failing deliveries of many events do not come back in lockstep); None when spent."""
    schedule = settings.WEBHOOK_RETRY_SCHEDULE
    if attempt > len(schedule):
        return None
    base = float(schedule[attempt - 1])
    jitter = settings.WEBHOOK_RETRY_JITTER
    return max(0.0, base * (1 + random.uniform(-jitter, jitter)))  # noqa: S311 - not crypto


def _after_failure(delivery: WebhookDelivery, attempt: DeliveryAttempt) -> str:
    now = timezone.now()
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, failing_since__isnull=True).update(
        failing_since=now
    )
    delay = retry_delay(delivery.attempts)
    if delay is None:
        _give_up(delivery)
        return "failed"
    due = now + timedelta(seconds=delay)
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        next_attempt_at=due
    )
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(next_attempt_at=due)
    # Long waits are left to the sweeper: a Celery countdown longer than the broker's
    # visibility timeout would be redelivered again and again.
    if delay <= settings.WEBHOOK_MAX_COUNTDOWN_SECONDS:
        enqueue_on_commit(SEND_WEBHOOK, delivery.pk, countdown=int(delay + 0.999))
    return "retry"


def _give_up(delivery: WebhookDelivery) -> None:
    """The schedule is spent: the delivery fails; an endpoint that has not answered once
    since its failures began (about a day) is disabled and its owner told in the app."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.FAILED, next_attempt_at=None
        )
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(pk=delivery.endpoint_id, disabled_at__isnull=True, failing_since__isnull=False)
            .select_related("user")
            .first()
        )
        if endpoint is None:
            return
        reason = "deliveries failed for the whole retry schedule"
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            disabled_at=timezone.now(), disabled_reason=reason
        )
        notify(
            endpoint.user,
            Notification.Kind.WEBHOOK_DISABLED,
            data={"webhook": str(endpoint.pk), "url": endpoint.url[:200], "reason": reason},
        )
        logger.info("webhook %s disabled: %s", endpoint.pk, reason)


# --- the sweeper (beat) ---------------------------------------------------------------


def sweep_outbox() -> dict:
    """Dispatch events nobody dispatched (the worker died between commit and dispatch, or
    the broker lost the message), send deliveries that are due (retries, expired leases of
    dead workers), and drop dispatched events older than EVENTS_RETENTION_DAYS."""
    now = timezone.now()
    grace = now - timedelta(seconds=settings.EVENTS_SWEEP_GRACE_SECONDS)
    batch = settings.EVENTS_SWEEP_BATCH
    undispatched = list(
        Event.objects.filter(dispatched_at__isnull=True, created_at__lte=grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:batch]
    )
    dispatched = sum(1 for pk in undispatched if dispatch_event(pk, send_now=False) >= 0)
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    for delivery_id in due:
        try:
            enqueue_now(SEND_WEBHOOK, delivery_id)
        except Exception:  # broker down: the next sweep tries again
            logger.exception("could not enqueue webhook delivery %s", delivery_id)
            break
    cutoff = now - timedelta(days=settings.EVENTS_RETENTION_DAYS)
    purged, _ = (
        Event.objects.filter(dispatched_at__lt=cutoff)
        .exclude(deliveries__status=WebhookDelivery.Status.PENDING)
        .delete()
    )
    return {"dispatched": dispatched, "due": len(due), "purged": purged}
