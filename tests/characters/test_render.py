"""The renderer shows a character as itself: its picture, not the generic figure."""

import pytest

from tests.characters.conftest import MAGENTA, YELLOW, drawing

SMALL = (160, 288)
SHOTS = [
    {"seconds": 2, "camera": "static", "subject": "@biscuit", "action": "sits in a garden"},
    {"seconds": 2, "camera": "zoom_in", "subject": "@biscuit", "action": "runs across a beach"},
]


def rgb_frames(path):
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def share_near(frame, colour, tolerance=60) -> float:
    import numpy as np

    distance = np.abs(frame.astype("int16") - np.array(colour, "int16")).max(axis=2)
    return float((distance <= tolerance).mean())


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    path = tmp_path_factory.mktemp("character") / "biscuit.png"
    drawing(160).save(path)
    return str(path)


@pytest.mark.parametrize("in_memory", [False, True])
def test_every_shot_shows_the_characters_picture(tmp_path, picture, in_memory):
    from generation.render import render_clip, render_frames

    out = tmp_path / "with.mp4"
    characters = [("biscuit", picture)]
    if in_memory:
        from generation.postprocess import postprocess_frames

        stream = render_frames(SHOTS, seed=3, characters=characters, _frame_size=SMALL)
        out = postprocess_frames(stream, workdir=tmp_path / "pp", provenance={}).video_path
    else:
        render_clip(SHOTS, seed=3, out_path=out, characters=characters, _frame_size=SMALL)
    plain = render_clip(SHOTS, seed=3, out_path=tmp_path / "plain.mp4", _frame_size=SMALL)
    with_frames, plain_frames = rgb_frames(out), rgb_frames(plain)
    for index in (0, len(with_frames) // 2 + 5, len(with_frames) - 1):  # both shots
        assert share_near(with_frames[index], MAGENTA) > 0.02, index
        assert share_near(with_frames[index], YELLOW) > 0.002, index
        assert share_near(plain_frames[index], MAGENTA) == 0.0


def test_the_shot_that_names_a_character_shows_that_one(tmp_path, picture):
    from PIL import Image

    from generation.render import render_clip

    teapot = tmp_path / "teapot.png"
    Image.new("RGBA", (120, 120), (0, 255, 255, 255)).save(teapot)  # pure cyan
    shots = [
        {"seconds": 2, "camera": "static", "subject": "a teapot", "action": "steams on a table"},
        {"seconds": 2, "camera": "static", "subject": "biscuit", "action": "naps"},
    ]
    out = render_clip(
        shots,
        seed=1,
        out_path=tmp_path / "two.mp4",
        characters=[("biscuit", picture), ("teapot", str(teapot))],
        _frame_size=SMALL,
    )
    frames = rgb_frames(out)
    first, last = frames[5], frames[-1]
    assert share_near(first, (0, 255, 255)) > 0.02 and share_near(first, MAGENTA) == 0.0
    assert share_near(last, MAGENTA) > 0.02 and share_near(last, (0, 255, 255)) == 0.0


def test_same_inputs_same_bytes(tmp_path, picture):
    from generation.render import render_clip

    one = render_clip(
        SHOTS,
        seed=3,
        out_path=tmp_path / "a.mp4",
        characters=[("biscuit", picture)],
        _frame_size=SMALL,
    )
    two = render_clip(
        SHOTS,
        seed=3,
        out_path=tmp_path / "b.mp4",
        characters=[("biscuit", picture)],
        _frame_size=SMALL,
    )
    assert one.read_bytes() == two.read_bytes()
