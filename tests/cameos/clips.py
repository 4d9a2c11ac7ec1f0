"""Real small MP4s for cameo tests (H.264 + mono AAC), via the shared writer in tests/clips.py."""

from pathlib import Path

from tests import clips


def write_clip(
    path: Path,
    *,
    seconds: float = 4,
    fps: int = 10,
    size: tuple[int, int] = (128, 128),
    audio: bool = True,
    motion: bool = True,
) -> Path:
    """A clip of a dark background; with `motion` a face-sized bright block moves side to side."""
    import numpy as np

    width, height = size

    def paint(index):
        image = np.full((height, width, 3), 40, dtype=np.uint8)
        if motion:
            x = width // 10 if (index // 2) % 2 == 0 else width // 2
            image[height // 3 : height // 3 + height // 3, x : x + width // 3] = 220
        return image

    return clips.write_clip(
        path,
        paint,
        count=int(seconds * fps),
        fps=fps,
        size=size,
        audio=audio,
        audio_rate=22050,
        channels=1,
        video_options={"preset": "ultrafast"},
    )
