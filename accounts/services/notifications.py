"""Notifications: the one way any app tells a user something happened (accounts owns the table)."""

from django.db.models import Q
from django.utils import timezone

from accounts.models import Block, Notification, User


def notify(recipient: User, kind: str, *, actor: User | None = None, data: dict | None = None):
    """Create a Notification for `recipient`; None when it would be noise or leak a blocked user.

    Skipped when the actor is the recipient (liking your own video) or when either blocks the
    other. Call it inside the transaction of the change it reports, so a rollback removes both.
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
    return Notification.objects.create(recipient=recipient, actor=actor, kind=kind, data=data or {})


def mark_notifications_read(recipient: User) -> int:
    """Mark all of the recipient's unread notifications read; returns how many changed."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=timezone.now()
    )
