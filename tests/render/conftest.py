"""Small real renders shared by the renderer and post-processing tests (rendered once each)."""

import pytest

SMALL = (128, 224)  # private test size: the public API only takes OpenAI's four sizes

TWO_SHOTS = [
    {
        "seconds": 2,
        "camera": "pan_right",
        "subject": "a red car",
        "action": "drives through a rain storm in the city",
        "caption": "Rain in the city",
    },
    {
        "seconds": 2,
        "camera": "static",
        "subject": "Maya",
        "action": "stands in a quiet snowy forest at night",
        "dialogue": "Did you hear that? Something is out there.",
        "caption": "Night",
    },
]


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("renders")


@pytest.fixture(scope="session")
def two_shot_clip(render_dir):
    from generation.render import render_clip

    return render_clip(TWO_SHOTS, seed=7, out_path=render_dir / "two.mp4", _frame_size=SMALL)


def decode_luma(path):
    """Every frame's Y plane as a float array, in order."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        height = stream.codec_context.height
        return [f.to_ndarray()[:height].astype("float32") for f in container.decode(stream)]


def decode_audio(path):
    """(samples (channels, n) float32, sample rate)."""
    import av
    import numpy as np

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        chunks = [f.to_ndarray() for f in container.decode(stream)]
        return np.concatenate(chunks, axis=1), stream.codec_context.sample_rate
