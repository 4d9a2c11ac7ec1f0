"""Feed factories: succeeded jobs are created directly (a fake file name, no rendering)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from feed import ranking
from feed.models import Video
from generation.models import GenerationJob

_seq = itertools.count(1)


@pytest.fixture
def make_job(db):
    def _make_job(user, *, policy=None, remix_of=None, status="succeeded", **extra):
        n = next(_seq)
        return GenerationJob.objects.create(
            user=user,
            status=status,
            prompt=f"a cat on a skateboard #{n}",
            seconds=8,
            video_file=f"videos/job{n}.mp4" if status == "succeeded" else "",
            thumbnail_file=f"videos/job{n}.jpg" if status == "succeeded" else "",
            probe={"duration": 8.0, "width": 720, "height": 1280},
            policy=policy or {},
            remix_of=remix_of,
            **extra,
        )

    return _make_job


@pytest.fixture
def make_video(make_job):
    """A video straight in the table, with counters and hot score consistent with each other."""

    def _make_video(
        author,
        *,
        visibility="public",
        status="published",
        likes=0,
        comments=0,
        remixes=0,
        age=timedelta(0),
        remix_of=None,
        caption="",
    ):
        published_at = timezone.now() - age
        return Video.objects.create(
            job=make_job(author, remix_of=remix_of.id if remix_of else None),
            author=author,
            caption=caption,
            visibility=visibility,
            status=status,
            remix_of=remix_of,
            duration=8.0,
            width=720,
            height=1280,
            like_count=likes,
            comment_count=comments,
            remix_count=remixes,
            published_at=published_at,
            hot_base=ranking.recency(published_at),
            hot_score=ranking.hot_score(
                likes=likes, comments=comments, remixes=remixes, published_at=published_at
            ),
        )

    return _make_video


@pytest.fixture
def carol(make_user):
    return make_user("carol")
