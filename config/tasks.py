"""Enqueue Celery tasks by name, after commit, so services never import their tasks.

Zulip's `queue_event_on_commit`: a rolled-back transaction enqueues nothing, and a service
module needs no import of the app's `tasks` module (which imports the service back). A broker
that is down when the transaction commits loses the message, not the row: each enqueued
service keeps its state in the database and a sweep enqueues what was left waiting
(generation: `sweep_stale_jobs`; cameos: `requeue_pending_cameo_verifications`).
"""

import logging
from typing import Any

from celery import Task, current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(
    task_name: str, *args: Any, countdown: int | None = None, **kwargs: Any
) -> None:
    """Send the task registered as `task_name` once the current transaction commits (at once
    outside one), `countdown` seconds later. A broker error is logged, never raised."""

    def send() -> None:
        try:
            enqueue_now(task_name, *args, countdown=countdown, **kwargs)
        except Exception:  # broker down: the row exists, the sweep enqueues it later
            logger.exception("could not enqueue %s%r", task_name, args)

    transaction.on_commit(send, robust=True)


def enqueue_now(task_name: str, *args: Any, countdown: int | None = None, **kwargs: Any) -> None:
    """Send `task_name` at once (a sweep outside any transaction); errors propagate.

    The registered task's `apply_async` is called rather than `send_task`, because only it
    honours CELERY_TASK_ALWAYS_EAGER (the tests run tasks in-process).
    """
    _registered_task(task_name).apply_async(args=args, kwargs=kwargs, countdown=countdown)


def _registered_task(task_name: str) -> Task:
    if task_name not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported on first need.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]
