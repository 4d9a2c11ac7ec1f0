"""Real small videos made with PyAV, so the probe is tested against what FFmpeg really writes."""

import pytest

from tests.media.clips import write_clip


@pytest.fixture
def make_clip(tmp_path):
    """make_clip(name, **options) -> Path of a freshly encoded clip."""

    def make(name="clip.mp4", **options):
        return write_clip(tmp_path / name, **options)

    return make
