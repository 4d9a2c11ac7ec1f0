"""A real MP4 (H.264 + AAC) for the fake hosted providers to return, via tests/clips.py."""

from pathlib import Path

from tests import clips


def write_mp4(path: Path, *, seconds: float = 4, size=(720, 1280), fps: int = 12) -> Path:
    """A red level that steps every frame under a green bar that slides across."""
    import numpy as np

    width, height = size

    def paint(index):
        image = np.zeros((height, width, 3), dtype=np.uint8)
        image[:, :, 0] = (index * 7) % 255
        image[height // 3 : height // 2, (index * 20) % width :, 1] = 200
        return image

    return clips.write_clip(
        path,
        paint,
        count=int(seconds * fps),
        fps=fps,
        size=size,
        tone_hz=330,
        video_options={"preset": "ultrafast"},
    )
