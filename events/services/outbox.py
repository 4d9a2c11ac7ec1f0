"""The outbox write: one Event row in the transaction of the change it reports.

Dispatch is enqueued after commit (`config.tasks.enqueue_on_commit`), so a rolled-back change
sends nothing; the sweeper (`events.services.webhooks.sweep_outbox`, beat) dispatches what a
dead worker or a lost broker message left undispatched, so nothing is lost either.

An event nobody subscribes to is written already dispatched and enqueues nothing: the outbox
keeps every fact, while a like of a video whose author has no webhook costs no Celery message.
"""

import json
from typing import Any

from django.db import connection
from django.utils import timezone

from config.tasks import enqueue_on_commit
from events.event_types import EventType
from events.models import Event, WebhookEndpoint
from events.task_names import DISPATCH_EVENT


def _subscribed(user_id: Any, event_type: str) -> bool:
    """Has the user an enabled endpoint subscribed to `event_type`? (one indexed query)"""
    lists = WebhookEndpoint.objects.filter(user_id=user_id, disabled_at__isnull=True).values_list(
        "events", flat=True
    )
    return any(event_type in (events or []) for events in lists)


def record_event(
    event_type: str,
    *,
    user: Any,
    actor: Any = None,
    data: dict | None = None,
) -> Event | None:
    """Write the fact `event_type` about `user` (a User or its pk), caused by `actor`.

    Call it inside the transaction of the change it reports. None (nothing written) when the
    actor is the user themself (liking your own video is no news). Dispatch follows commit.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown event type {event_type!r}")
    user_id = getattr(user, "pk", user)
    actor_id = getattr(actor, "pk", actor)
    if user_id is None:
        return None
    if actor_id is not None and actor_id == user_id and event_type not in _SELF_CAUSED:
        return None
    now = timezone.now()
    pending = _subscribed(user_id, event_type)
    event = Event.objects.create(
        type=event_type,
        user_id=user_id,
        actor_id=actor_id,
        data=data or {},
        created_at=now,
        dispatched_at=None if pending else now,
    )
    if pending:
        enqueue_on_commit(DISPATCH_EVENT, str(event.pk))
    return event


# Facts the user causes themself that are still news to their own servers.
_SELF_CAUSED = frozenset(
    {EventType.VIDEO_COMPLETED, EventType.VIDEO_FAILED, EventType.VIDEO_PUBLISHED}
)


def record_event_sql(
    event_type: str, *, source: str, user_column: str, actor: Any, data: dict
) -> tuple[str, list]:
    """record_event() as an `INSERT … SELECT` for a data-modifying CTE (PostgreSQL): one
    event per row of the CTE `source`, about the user id in its `user_column`, none when
    that is the actor. RETURNING `pending` (true when an endpoint subscribes: the caller
    enqueues the dispatch with `enqueue_dispatch` after the statement).

    Returns (sql, params); `source` and `user_column` are identifiers of the caller's code.
    """
    if event_type not in EventType.values:
        raise ValueError(f"unknown event type {event_type!r}")
    now = timezone.now()
    who = f"s.{user_column}"
    endpoints = connection.ops.quote_name(WebhookEndpoint._meta.db_table)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Event._meta.db_table)} "  # noqa: S608
        "(id, type, user_id, actor_id, data, created_at, dispatched_at) "
        f"SELECT gen_random_uuid(), %s, {who}, %s, %s::jsonb, %s,"
        f" CASE WHEN EXISTS (SELECT 1 FROM {endpoints} w"
        f" WHERE w.user_id = {who} AND w.disabled_at IS NULL AND w.events @> %s::jsonb)"
        f" THEN NULL ELSE %s::timestamptz END FROM {source} s WHERE {who} <> %s"
        " RETURNING id, dispatched_at IS NULL AS pending"
    )
    params = [
        event_type,
        actor.pk,
        json.dumps(data),
        now,
        json.dumps([event_type]),
        now,
        actor.pk,
    ]
    return sql, params


def enqueue_dispatch(event_id: Any) -> None:
    """Dispatch an event written by record_event_sql once the current transaction commits."""
    enqueue_on_commit(DISPATCH_EVENT, str(event_id))
