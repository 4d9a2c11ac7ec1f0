"""Discovery fixtures: videos published through feed's service (so hashtags are parsed as in
production), and moderators for the trends console."""

from datetime import timedelta

import pytest

from tests.factories import JobFactory, VideoFactory


@pytest.fixture
def make_video(db):
    def _make_video(author, caption="", **options):
        job = JobFactory(user=author, status="succeeded", policy={})
        options.setdefault("age", timedelta(0))
        return VideoFactory(author=author, job=job, caption=caption, **options)

    return _make_video


@pytest.fixture
def make_moderator(make_user):
    from django.contrib.auth.models import Group

    def _make_moderator(handle="mod", password="correct-horse-battery"):
        moderator = make_user(handle, password=password, is_staff=True)
        moderator.groups.add(Group.objects.get(name="moderators"))
        return moderator

    return _make_moderator
