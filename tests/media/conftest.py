"""Real small videos made with PyAV, so the probe is tested against what FFmpeg really writes."""

import pytest

from tests.media.clips import write_clip


@pytest.fixture
def make_clip(tmp_path):
    """make_clip(name, **options) -> Path of a freshly encoded clip."""

    def make(name="clip.mp4", **options):
        return write_clip(tmp_path / name, **options)

    return make


@pytest.fixture(scope="session")
def processed(tmp_path_factory):
    """A 4 s two-shot clip rendered small and post-processed to 720x1280 (as a model that
    renders small is): the original plus 480p, and their HLS."""
    from generation.postprocess import postprocess_clip
    from generation.render import render_clip
    from tests.render.conftest import TWO_SHOTS

    folder = tmp_path_factory.mktemp("streaming")
    source = render_clip(TWO_SHOTS, seed=5, out_path=folder / "src.mp4", _frame_size=(360, 640))
    processed = postprocess_clip(
        source, workdir=folder / "post", provenance={"user": "bob"}, size="720x1280"
    )
    processed.source_path = source
    return processed
