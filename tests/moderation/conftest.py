"""Moderation fixtures: real MP4 clips written with PyAV, videos stored through config.storage,
moderators in the `moderators` group created by the data migration."""

import itertools

import pytest

from tests import clips

_seq = itertools.count(1)


def write_mp4(path, *, frames=24, size=(128, 128), blank=False, pattern_seed=0):
    """A short H.264 MP4 (with an AAC track) that browsers and the probe accept.

    Frames are a seeded pattern of 16x16 blocks rolled one block per frame, so perceptual
    hashes differ between seeds; `blank` gives black frames."""
    import numpy as np

    width, height = size
    rng = np.random.default_rng(pattern_seed)
    base = rng.integers(0, 255, size=(height // 16, width // 16, 3), dtype=np.uint8)

    def paint(index):
        if blank:
            return np.zeros((height, width, 3), dtype=np.uint8)
        return np.kron(np.roll(base, index, axis=1), np.ones((16, 16, 1), dtype=np.uint8))

    return clips.write_clip(
        path,
        paint,
        count=frames,
        fps=24,
        size=size,
        video_options={"preset": "ultrafast", "tune": "zerolatency"},
    )


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory):
    path = write_mp4(tmp_path_factory.mktemp("clips") / "clip.mp4")
    return path.read_bytes()


@pytest.fixture
def make_video(db, clip_bytes):
    """A published (or held, removed…) video whose job points at a real stored MP4
    (tests/factories.py: the job as the pipeline leaves it, the video through publish_video)."""
    from tests.factories import JobFactory, VideoFactory

    def _make_video(author, *, status="published", visibility="public", policy=None, **job):
        job_row = JobFactory(
            user=author,
            prompt=job.pop("prompt", f"a lighthouse at dusk #{next(_seq)}"),
            storyboard=job.pop("storyboard", []),
            probe={"duration": 1.0, "width": 128, "height": 128},
            policy=policy or {},
            stored=clip_bytes,
            **job,
        )
        return VideoFactory(author=author, job=job_row, status=status, visibility=visibility)

    return _make_video


@pytest.fixture
def make_moderator(make_user):
    from django.contrib.auth.models import Group

    def _make_moderator(handle="mod", password="correct-horse-battery"):
        moderator = make_user(handle, password=password, is_staff=True)
        moderator.groups.add(Group.objects.get(name="moderators"))
        return moderator

    return _make_moderator


@pytest.fixture
def moderator(make_moderator):
    return make_moderator("mod")


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def carol(make_user):
    return make_user("carol")
