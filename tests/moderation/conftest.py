"""Moderation fixtures: real MP4 clips written with PyAV, videos stored through config.storage,
moderators in the `moderators` group created by the data migration."""

import itertools
from fractions import Fraction

import pytest

_seq = itertools.count(1)


def write_mp4(path, *, frames=24, size=(128, 128), blank=False, pattern_seed=0):
    """A short H.264 MP4 (with an AAC track) that browsers and the probe accept."""
    import av
    import numpy as np

    width, height = size
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "tune": "zerolatency"}
        audio = container.add_stream("aac", rate=44100)
        rng = np.random.default_rng(pattern_seed)
        base = rng.integers(0, 255, size=(height // 16, width // 16, 3), dtype=np.uint8)
        for i in range(frames):
            if blank:
                rgb = np.zeros((height, width, 3), dtype=np.uint8)
            else:
                rgb = np.kron(np.roll(base, i, axis=1), np.ones((16, 16, 1), dtype=np.uint8))
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        samples = 1024
        seconds = frames / 24
        for n in range(int(seconds * 44100 / samples) + 1):
            t = (np.arange(samples) + n * samples) / 44100
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            aframe = av.AudioFrame.from_ndarray(
                np.stack([tone, tone]).reshape(1, -1), format="flt", layout="stereo"
            )
            aframe.sample_rate = 44100
            aframe.pts = n * samples
            aframe.time_base = Fraction(1, 44100)
            for packet in audio.encode(aframe):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="session")
def clip_bytes(tmp_path_factory):
    path = write_mp4(tmp_path_factory.mktemp("clips") / "clip.mp4")
    return path.read_bytes()


@pytest.fixture
def make_video(db, clip_bytes):
    """A published (or held, removed…) video whose job points at a real stored MP4."""
    from config.storage import save_file
    from feed.models import Video
    from generation.models import GenerationJob

    def _make_video(author, *, status="published", visibility="public", policy=None, **job):
        n = next(_seq)
        name = save_file(f"videos/mod{n}.mp4", clip_bytes)
        job_row = GenerationJob.objects.create(
            user=author,
            status="succeeded",
            prompt=job.pop("prompt", f"a lighthouse at dusk #{n}"),
            seconds=8,
            video_file=name,
            storyboard=job.pop("storyboard", []),
            probe={"duration": 1.0, "width": 128, "height": 128},
            policy=policy or {},
            **job,
        )
        return Video.objects.create(
            job=job_row,
            author=author,
            status=status,
            visibility=visibility,
            duration=1.0,
            width=128,
            height=128,
        )

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
