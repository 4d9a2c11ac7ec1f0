"""Enqueue Celery tasks by name, after commit, so services never import their tasks.

Zulip's `queue_event_on_commit`: a rolled-back transaction enqueues nothing, and a service
module needs no import of the app's `tasks` module (which imports the service back).
"""

from typing import Any

from celery import Task, current_app
from django.db import transaction


def enqueue_on_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Send the task registered as `task_name` once the current transaction commits.

    A broker that is down is logged by Django, not raised (robust=True): the row that asked
    for the work exists, and the app's periodic sweep enqueues it again.
    """
    transaction.on_commit(lambda: enqueue_now(task_name, *args, **kwargs), robust=True)


def enqueue_now(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Send `task_name` at once (a sweep outside any transaction); errors propagate.

    The registered task's `apply_async` is called rather than `send_task`, because only it
    honours CELERY_TASK_ALWAYS_EAGER (the tests run tasks in-process).
    """
    _registered_task(task_name).apply_async(args=args, kwargs=kwargs)


def _registered_task(task_name: str) -> Task:
    if task_name not in current_app.tasks:
        # Outside a worker the apps' tasks modules are imported on first need.
        current_app.loader.import_default_modules()
    return current_app.tasks[task_name]
