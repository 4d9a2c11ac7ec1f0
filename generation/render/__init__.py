"""The local renderer: a storyboard in, a real multi-shot H.264 + AAC MP4 out, on the CPU.

    render_clip(shots, *, size="720x1280", seed=0, out_path, progress=None, characters=())

Each shot becomes a still canvas (scene.py) that a camera move (camera.py) crops or scales on
every frame (a character's picture, when the job shows one, standing in for the drawn figure),
with its caption and dialogue blended on top, hard cuts (and keyframes) between
shots, and a synthesised stereo track (sound.py). Same shots, size and seed → the same bytes
(with the same library versions): all randomness is seeded from them, the encoder settings are
fixed (encoder.py; x264 stays deterministic with its two threads) and nothing time-dependent
(creation time, library version string) is written into the file.

Importing this package is cheap; numpy, Pillow and PyAV load when a clip is rendered.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from generation.formats import MAX_SECONDS, MIN_SECONDS, SIZES
from generation.render.encoder import FPS
from generation.render.timing import shot_frame_counts
from generation.storyboard import InvalidStoryboard, validate_storyboard

__all__ = ["FPS", "SIZES", "parse_size", "render_clip", "render_frames", "shot_frame_counts"]


def parse_size(size: str) -> tuple[int, int]:
    """ "720x1280" → (720, 1280); only OpenAI's four sizes are accepted."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}.")
    width, height = size.split("x")
    return int(width), int(height)


def render_clip(
    shots: list[dict],
    *,
    size: str = "720x1280",
    seed: int = 0,
    out_path: str | os.PathLike,
    progress: Callable[[float], None] | None = None,
    characters: Sequence[tuple[str, str]] = (),
    _frame_size: tuple[int, int] | None = None,
) -> Path:
    """Render `shots` (a planned or validated storyboard) to `out_path` and return it.

    The total of the shots' seconds must be within MIN_SECONDS..MAX_SECONDS. `progress`
    receives fractions in [0, 1] as shots finish. The file is written next to `out_path` and
    moved into place at the end, so a crash never leaves a half-written clip under that name.
    `characters` are (handle, PNG path) pairs: each shot shows the one its text names
    (`@handle` or the bare handle), else the first. `_frame_size` is for tests only: a small
    (width, height), each a multiple of 4.
    """
    width, height, shots = _checked(shots, size=size, seed=seed, frame_size=_frame_size)
    from generation.render.clip import write_clip

    out_path = Path(out_path)
    partial = out_path.with_name(f".{out_path.name}.partial")
    try:
        write_clip(
            shots,
            width=width,
            height=height,
            seed=seed,
            path=partial,
            progress=progress,
            characters=characters,
        )
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return out_path


def render_frames(
    shots: list[dict],
    *,
    size: str = "720x1280",
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    characters: Sequence[tuple[str, str]] = (),
    opening: str | os.PathLike | None = None,
    captions: bool = True,
    _frame_size: tuple[int, int] | None = None,
):
    """The same clip as render_clip, kept in memory: an encoder.FrameStream whose frames are
    drawn as they are taken (post-processing encodes them straight into every rendition).
    Checks its arguments exactly like render_clip, before any frame is drawn.

    `opening` (a picture file: the last frame of a clip being extended) replaces the first
    shot's drawn scene: that shot moves its camera over the picture, so with a zoom or
    push-in its first frame is the picture itself (a continued scene). captions=False draws
    no caption or dialogue bands (the picture such a continuation opens on)."""
    width, height, shots = _checked(shots, size=size, seed=seed, frame_size=_frame_size)

    from generation.render.clip import clip_stream

    return clip_stream(
        shots,
        width=width,
        height=height,
        seed=seed,
        progress=progress,
        characters=characters,
        opening=opening,
        captions=captions,
    )


def _checked(shots, *, size: str, seed, frame_size) -> tuple[int, int, list[dict]]:
    """(width, height, validated shots), or ValueError / InvalidStoryboard naming the field."""
    width, height = parse_size(size)
    if frame_size is not None:
        width, height = frame_size
        if width % 4 or height % 4 or width < 32 or height < 32:
            raise ValueError("_frame_size must be multiples of 4, at least 32.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError("seed must be an integer.")
    try:
        total = math.fsum(float(shot["seconds"]) for shot in shots)
    except (TypeError, KeyError, ValueError, AttributeError):
        validate_storyboard(shots, MIN_SECONDS)  # raises, naming the shot and field
        raise InvalidStoryboard("storyboard: shots are malformed.") from None
    if not MIN_SECONDS - 0.05 <= total <= MAX_SECONDS + 0.05:
        raise InvalidStoryboard(
            f"storyboard: shots must last {MIN_SECONDS} to {MAX_SECONDS} seconds in total."
        )
    return width, height, validate_storyboard(shots, total)
