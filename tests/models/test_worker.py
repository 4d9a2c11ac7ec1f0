"""A GPU worker: generation jobs are routed to the `gpu` queue when the provider is
diffusers, and a worker for that queue refuses to start without a usable DIFFUSERS_MODEL."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
CELERY = str(Path(sys.executable).with_name("celery"))


def _env(**extra):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    env.pop("GENERATION_QUEUE", None)
    return {**env, "CELERY_BROKER_URL": "memory://", **extra}


ROUTE = """
import django; django.setup()
from config.celery import app
print(app.amqp.router.route({}, "generation.tasks.run_generation_job")["queue"].name)
print(app.amqp.router.route({}, "generation.tasks.sweep_stale_jobs")["queue"].name)
"""


@pytest.mark.parametrize(
    ("provider", "queues"), [("diffusers", ["gpu", "celery"]), ("local", ["celery", "celery"])]
)
def test_generation_jobs_of_a_gpu_provider_go_to_the_gpu_queue(provider, queues):
    result = subprocess.run(
        [sys.executable, "-c", ROUTE],
        env=_env(GENERATION_PROVIDER=provider),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == queues


def test_a_gpu_worker_without_a_usable_model_does_not_start(tmp_path):
    result = subprocess.run(
        [CELERY, "-A", "config", "worker", "-Q", "gpu", "--pool", "solo", "-l", "warning"],
        env=_env(GENERATION_PROVIDER="diffusers", DIFFUSERS_MODEL=str(tmp_path / "none")),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"DIFFUSERS_MODEL={tmp_path / 'none'} is not a readable" in result.stderr
