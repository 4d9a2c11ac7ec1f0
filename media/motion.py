"""The cameo verifier's motion check, with a time and a pixel budget (issue 12 finding 10).

Decoding is the cost, and an upload chooses it: a 30 s 4K 240 fps clip is 7,200 frames of
8 Mpx. So the check knows how many pixels it will decode before it starts (frames it needs to
reach its samples x frame size), refuses at once a clip that would exceed
CAMEO_MOTION_MAX_PIXELS, and keeps counting while it decodes (stream metadata can lie), next to
a CAMEO_MOTION_MAX_SECONDS deadline. A clip not judged within the budget is refused with
`motion_budget_exceeded`: the owner records a smaller one. Decoding uses FFmpeg's own threads.
"""

import time

from django.conf import settings

from media.errors import MOTION_BUDGET_EXCEEDED, NOT_A_VIDEO, InvalidMedia

CELL = 8  # px: frames are compared cell by cell
THRESHOLD = 12.0  # mean absolute grey difference of a changed cell, well above codec noise
WIDTH = 96  # px: frames are shrunk to this width before comparing

BUDGET_MESSAGE = (
    "The clip is too large to check for movement (resolution x frame rate); "
    "record it again at a lower resolution or frame rate."
)


class _Budget:
    """Decoded pixels and elapsed time, checked frame by frame."""

    def __init__(self, max_pixels: int, max_seconds: float):
        self.pixels_left = max_pixels
        self.deadline = time.monotonic() + max_seconds

    def check_affordable(self, pixels: int) -> None:
        """Refuse before decoding anything when the frames needed already exceed the budget."""
        if pixels > self.pixels_left:
            raise InvalidMedia(MOTION_BUDGET_EXCEEDED, BUDGET_MESSAGE)

    def spend(self, pixels: int) -> None:
        self.pixels_left -= pixels
        if self.pixels_left < 0 or time.monotonic() > self.deadline:
            raise InvalidMedia(MOTION_BUDGET_EXCEEDED, BUDGET_MESSAGE)


def _changed(a, b) -> float:
    """Fraction of CELL x CELL cells whose mean absolute difference exceeds THRESHOLD."""
    import numpy as np

    rows, cols = a.shape[0] // CELL, a.shape[1] // CELL
    diff = np.abs(a[: rows * CELL, : cols * CELL] - b[: rows * CELL, : cols * CELL])
    cells = diff.reshape(rows, CELL, cols, CELL).mean(axis=(1, 3))
    return float((cells > THRESHOLD).mean())


def _grey(frame):
    import numpy as np

    height = max(CELL, round(frame.height * WIDTH / frame.width / CELL) * CELL)
    grey = frame.reformat(width=WIDTH, height=height, format="gray").to_ndarray()
    return grey[:height, :WIDTH].astype(np.float32)


def _frames_needed(stream, step: int, max_samples: int) -> int:
    """Frames decoded to reach the last sample: the clip's, or the sample cap's if fewer."""
    needed = step * max_samples
    total = stream.frames or 0
    if not total and stream.duration and stream.time_base:
        total = int(float(stream.duration * stream.time_base) * float(stream.average_rate or 25))
    return min(needed, total) if total else needed


def measure_motion_area(
    path,
    *,
    samples_per_second: float = 4.0,
    max_samples: int = 120,
    max_pixels: int | None = None,
    max_seconds: float | None = None,
) -> float:
    """Largest fraction of the frame that changes between compared frames.

    Frames are sampled a few times a second, shrunk to grey WIDTH px wide and compared cell by
    cell. Each sample is compared with the previous sample (a quarter second apart: slow
    movement adds up) and with the frame just before it (so movement that repeats in step with
    the sampling is not missed). A person moving their head changes a face-sized block of
    cells; a still image or an empty room does not. Call only after `probe_video` accepted the
    file. InvalidMedia `motion_budget_exceeded` when the budget ends before the clip is judged.
    """
    import av

    budget = _Budget(
        settings.CAMEO_MOTION_MAX_PIXELS if max_pixels is None else max_pixels,
        settings.CAMEO_MOTION_MAX_SECONDS if max_seconds is None else max_seconds,
    )
    try:
        with av.open(str(path), mode="r", options={"protocol_whitelist": "file"}) as container:
            return _largest_change(container, budget, samples_per_second, max_samples)
    except (av.FFmpegError, ValueError) as exc:
        raise InvalidMedia(NOT_A_VIDEO, "The video could not be decoded.") from exc


def _largest_change(container, budget: _Budget, samples_per_second: float, max_samples: int):
    """The sampling loop of `measure_motion_area`, spending `budget` on every decoded frame."""
    stream = container.streams.video[0]
    stream.thread_type = "AUTO"  # FFmpeg's frame and slice threads: less wall time per frame
    step = max(1, round(float(stream.average_rate or 25) / samples_per_second))
    frame_pixels = (stream.codec_context.width or 1) * (stream.codec_context.height or 1)
    budget.check_affordable(_frames_needed(stream, step, max_samples) * frame_pixels)
    best = 0.0
    previous = before = None
    taken = 0
    for index, frame in enumerate(container.decode(stream)):
        budget.spend(frame.width * frame.height)
        is_sample = index % step == 0
        if not is_sample and not (step > 1 and (index + 1) % step == 0):
            continue
        grey = _grey(frame)
        if not is_sample:
            before = grey
            continue
        for reference in (previous, before):
            if reference is not None and reference.shape == grey.shape:
                best = max(best, _changed(grey, reference))
        previous, before = grey, None
        taken += 1
        if taken >= max_samples:
            break
    return best
