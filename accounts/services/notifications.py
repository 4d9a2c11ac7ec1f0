"""Notifications: the one way any app tells a user something happened (accounts owns the table)."""

import json
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Block, Notification, User
from accounts.signals import notifications_created


def announce_notifications(notification_ids: Iterable[int]) -> None:
    """Send `notifications_created` for these ids once the current transaction commits (at
    once outside one), so delivery channels (push) never hear of a rolled-back notification.
    A receiver's error is logged, never raised into the change that wrote them."""
    ids = [int(pk) for pk in notification_ids]
    if not ids:
        return
    transaction.on_commit(
        lambda: notifications_created.send(sender=Notification, notification_ids=ids),
        robust=True,
    )


def notify(
    recipient: User, kind: str, *, actor: User | None = None, data: dict | None = None
) -> Notification | None:
    """Create a Notification for `recipient`; None when it would be noise or leak a blocked user.

    Skipped when the actor is the recipient (liking your own video) or when either blocks the
    other. Call it inside the transaction of the change it reports, so a rollback removes both;
    `notifications_created` is sent when that transaction commits.
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor is not None:
        if actor.pk == recipient.pk:
            return None
        if Block.objects.filter(
            Q(blocker_id=actor.pk, blocked_id=recipient.pk)
            | Q(blocker_id=recipient.pk, blocked_id=actor.pk)
        ).exists():
            return None
    note = Notification.objects.create(recipient=recipient, actor=actor, kind=kind, data=data or {})
    announce_notifications([note.pk])
    return note


def notify_sql(
    kind: str, *, source: str, recipient_column: str, actor: User, data: dict
) -> tuple[str, list]:
    """notify() as an `INSERT … SELECT` for a data-modifying CTE (PostgreSQL), so a change and
    its notification can be one statement: one notification per row of the CTE `source`, to
    the user id in its `recipient_column`, with the same rules as notify() — none for the actor
    themself, none when either blocks the other.

    Returns (sql, params); `source` and `recipient_column` are identifiers chosen by the
    caller's code, never input. The statement ends in `RETURNING id`: the caller selects those
    ids and passes them to announce_notifications() (push hears of SQL-written ones too).
    """
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    recipient = f"s.{recipient_column}"
    sql = (
        f"INSERT INTO {Notification._meta.db_table} (recipient_id, actor_id, kind, data, "  # noqa: S608
        f"created_at) SELECT {recipient}, %s, %s, %s::jsonb, %s FROM {source} s "
        f"WHERE {recipient} <> %s AND NOT EXISTS (SELECT 1 FROM {Block._meta.db_table} b "
        f"WHERE (b.blocker_id = {recipient} AND b.blocked_id = %s) "
        f"OR (b.blocker_id = %s AND b.blocked_id = {recipient})) RETURNING id"
    )
    params = [actor.pk, kind, json.dumps(data), timezone.now(), actor.pk, actor.pk, actor.pk]
    return sql, params


def mark_notifications_read(recipient: User) -> int:
    """Mark all of the recipient's unread notifications read; returns how many changed."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
