"""The Celery app; configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("cutaway")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _takes_generation_jobs() -> bool:
    """Does this worker consume the queue generation jobs are routed to (`-Q gpu`)?"""
    from django.conf import settings

    queue = settings.GENERATION_QUEUE or app.conf.task_default_queue
    return queue in (app.amqp.queues.consume_from or {queue: None})


@signals.worker_init.connect
def check_video_model(**_kwargs):
    """A GPU worker with a missing or unsupported DIFFUSERS_MODEL refuses to start."""
    from django.conf import settings

    from generation.providers.families import ModelUnavailable, check_worker_model

    if not _takes_generation_jobs():
        return
    try:
        check_worker_model(settings.GENERATION_PROVIDER, settings.DIFFUSERS_MODEL)
    except ModelUnavailable as exc:
        raise SystemExit(f"cutaway worker not started: {exc}") from exc


@signals.worker_process_init.connect
def warm_video_model(**_kwargs):
    """Load the pipeline once per worker process, before the first job (kept warm)."""
    from django.conf import settings

    if settings.GENERATION_PROVIDER == "diffusers" and _takes_generation_jobs():
        from generation.providers.diffusion import load_model

        load_model()


@signals.worker_process_init.connect
def warm_output_checks(**_kwargs):
    """Load the output checks' models (the frame classifier) once per worker process, before
    the first job, in the child: an onnxruntime session does not survive a fork."""
    if _takes_generation_jobs():
        from generation.policy import warm_output_checks as warm

        warm()
