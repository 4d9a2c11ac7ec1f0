"""A web process freezes what it loaded at startup (config/startup.py), so full garbage
collections stop walking Django's long-lived objects in the middle of requests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("entry", ["config.wsgi", "config.asgi"])
def test_loading_the_app_freezes_startup_objects_and_imports_the_views(entry):
    code = (
        f"import gc, sys; import {entry}; "
        "print(gc.get_freeze_count(), 'config.urls' in sys.modules, 'feed.views' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, urls_loaded, views_loaded = int(out[0]), out[1], out[2]
    assert frozen > 50_000
    assert urls_loaded == views_loaded == "True"  # not left to the first request


def test_loading_the_app_imports_the_task_modules_without_a_broker():
    """The first request that enqueues a task must not pay for importing every tasks module
    and Celery's producer (~230 ms once per web worker, a like's p99); loading the app opens
    no broker connection, so it starts with the broker unreachable (port 1 refuses)."""
    code = (
        "import sys; import config.wsgi; "
        "print('push.tasks' in sys.modules, 'generation.tasks' in sys.modules, "
        "'kombu.transport.redis' in sys.modules)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60,
    ).stdout.split()  # fmt: skip
    assert out == ["True", "True", "True"]
