"""Fault-test fixtures: real Celery worker processes sharing the test database, broker and
media folder with the test process, killed in teardown whatever happens."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = [sys.executable, "-m", "celery"]  # the interpreter running the tests, wherever it is


def database_url() -> str:
    """The URL of the database this test runs on (the test database, not the dev one)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(Path(conf["NAME"]).resolve())
    auth = quote(conf["USER"] or "postgres")
    if conf["PASSWORD"]:
        auth += ":" + quote(conf["PASSWORD"])
    host = conf["HOST"] or "127.0.0.1"
    port = conf["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{conf['NAME']}"


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll until predicate() is truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class Worker:
    """One `celery worker --pool=prefork --concurrency=1` process group."""

    def __init__(self, env: dict, log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.name = f"faults-{uuid.uuid4().hex[:8]}@%h"
        self.proc = subprocess.Popen(
            [
                *CELERY,
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-l",
                "INFO",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60):
        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"worker exited with {self.proc.returncode}:\n{self.log()[-3000:]}")
            return " ready." in self.log()

        wait_for(ready, timeout=timeout, what="the Celery worker to be ready")
        return self

    def pool_children(self) -> list[int]:
        # Any thread of the parent may have forked a child (billiard's supervisor respawns).
        pids = []
        for path in Path(f"/proc/{self.proc.pid}/task").glob("*/children"):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                pids += [int(pid) for pid in path.read_text().split()]
        return sorted(set(pids))

    def kill_pool_child(self) -> int:
        """SIGKILL the prefork child (the process running the task); the parent survives."""
        children = wait_for(self.pool_children, timeout=10, what="a pool child")
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill(self):
        """SIGKILL the whole worker (parent and pool children) at once."""
        # The group, even when the parent is gone: an orphaned pool child must not linger.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        self.kill()
        self._log.close()


@pytest.fixture
def live_tasks():
    """Tasks go to the broker (not run inline) for the duration of the test."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def start_worker(live_tasks, tmp_path):
    """start_worker(**env) → a ready Worker sharing this test's database, broker and media."""
    workers: list[Worker] = []

    def _start(wait: bool = True, **extra_env) -> Worker:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
            "DATABASE_URL": database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "CUTAWAY_VAR_DIR": str(settings.VAR_DIR),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "STORAGE_BACKEND": "local",
            "GENERATION_PROVIDER": "local",
            "GENERATION_PROMPT_CHECKS": "",
            "GENERATION_OUTPUT_CHECKS": "",
            "PYTHONUNBUFFERED": "1",
            **{k: str(v) for k, v in extra_env.items()},
        }
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.wait_ready() if wait else worker

    yield _start
    for worker in workers:
        worker.stop()
