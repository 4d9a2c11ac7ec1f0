"""config.tasks.enqueue_on_commit: tasks are sent by name, after commit, never on rollback."""

import pytest
from django.db import transaction

from config.tasks import enqueue_on_commit
from generation.models import GenerationJob
from generation.task_names import RUN_GENERATION_JOB
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db

Status = GenerationJob.Status


def _queued_job() -> GenerationJob:
    return JobFactory(status=Status.QUEUED, seconds=4, video_file="", thumbnail_file="")


def test_a_task_enqueued_by_name_runs_after_commit_not_before(django_capture_on_commit_callbacks):
    job = _queued_job()
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, transaction.atomic():
        enqueue_on_commit(RUN_GENERATION_JOB, str(job.pk))
        job.refresh_from_db()
        assert job.status == Status.QUEUED  # nothing ran inside the transaction
    assert callbacks[0].__module__ == "config.tasks"  # the job's own on-commit work follows
    job.refresh_from_db()
    assert job.status == Status.SUCCEEDED  # the registered task ran eagerly, by its name


def test_a_rolled_back_transaction_enqueues_nothing(django_capture_on_commit_callbacks):
    job = _queued_job()
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(RUN_GENERATION_JOB, str(job.pk))
        raise RuntimeError("rolled back")
    assert callbacks == []
    job.refresh_from_db()
    assert job.status == Status.QUEUED
