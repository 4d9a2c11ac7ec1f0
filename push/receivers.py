"""push listens to accounts' facts: new notifications are pushed, an erased user's devices go."""

from django.conf import settings

from config.tasks import enqueue_on_commit
from push.services import deliverable_notification_ids, erase_push_data
from push.task_names import DELIVER_NOTIFICATIONS


def on_notifications_created(sender, notification_ids, **kwargs) -> None:
    """Sent after commit: one delivery task per PUSH_BATCH_SIZE notifications whose recipient
    has a device (one query; none are enqueued for the others)."""
    ids = deliverable_notification_ids(notification_ids)
    size = max(1, settings.PUSH_BATCH_SIZE)
    for start in range(0, len(ids), size):
        enqueue_on_commit(DELIVER_NOTIFICATIONS, ids[start : start + size])


def on_user_erased(sender, user, **kwargs) -> None:
    """Inside the erasing transaction: the user's devices and push settings are removed."""
    erase_push_data(user)
