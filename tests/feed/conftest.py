"""Feed fixtures: thin wrappers over tests/factories.py (jobs as the pipeline leaves them,
videos through publish_video, scored by refresh_hot_scores)."""

import itertools
from datetime import timedelta

import pytest

from tests.factories import JobFactory, VideoFactory

# No longer used here (the factories number their rows); test_likes.py still imports it.
_seq = itertools.count(1)


@pytest.fixture
def make_job(db):
    def _make_job(user, *, policy=None, remix_of=None, status="succeeded", **extra):
        return JobFactory(user=user, status=status, policy=policy or {}, remix_of=remix_of, **extra)

    return _make_job


@pytest.fixture
def make_video(make_job):
    """A published video (then held, removed… by the service that does it), with counters
    and hot score consistent with each other."""

    def _make_video(author, *, remix_of=None, **options):
        job = make_job(author, remix_of=remix_of.id if remix_of else None)
        options.setdefault("age", timedelta(0))
        return VideoFactory(author=author, job=job, **options)

    return _make_video


@pytest.fixture
def carol(make_user):
    return make_user("carol")
