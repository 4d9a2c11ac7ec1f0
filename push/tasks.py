"""Celery tasks of push: thin wrappers around push.services."""

from celery import shared_task

from push.services import deliver_notifications as deliver


@shared_task(name="push.tasks.deliver_notifications", acks_late=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> int:
    """Push a batch of in-app notifications to their recipients' devices; pushes sent.

    Not retried on a push service's error (a push is a hint; the notification is in the app
    already). acks_late: a worker killed mid-batch gets the batch again, so a device may see
    a push twice rather than miss it."""
    return deliver(notification_ids)
