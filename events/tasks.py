"""Celery tasks: thin wrappers over events.services.webhooks (acks_late: a worker killed
mid-task leaves the message to be redelivered; the services' claims make that safe)."""

from celery import shared_task

from events.task_names import DISPATCH_EVENT, SEND_WEBHOOK, SWEEP_OUTBOX


@shared_task(
    name=DISPATCH_EVENT, acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120
)
def dispatch_event(event_id: str) -> int:
    from events.services.webhooks import dispatch_event as dispatch

    return dispatch(event_id)


@shared_task(
    name=SEND_WEBHOOK, acks_late=True, ignore_result=True, soft_time_limit=90, time_limit=120
)
def send_webhook(delivery_id: int) -> str:
    from events.services.webhooks import send_delivery

    return send_delivery(delivery_id)


@shared_task(
    name=SWEEP_OUTBOX, acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300
)
def sweep_outbox() -> dict:
    from events.services.webhooks import sweep_outbox as sweep

    return sweep()
