"""One writer of small real video files (PyAV), shared by the suites that need them.

Each suite says only what its frames look like (motion for cameo checks, patterns for
perceptual hashes, ...); opening the container, encoding, the sine tone and flushing live here.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


def write_clip(
    path: Path,
    paint: Callable[[int], "np.ndarray"],
    *,
    count: int,
    fps: int,
    size: tuple[int, int],
    audio: bool = True,
    audio_rate: int = 44100,
    channels: int = 2,
    tone_hz: float = 440,
    video_codec: str = "libx264",
    audio_codec: str = "aac",
    container_format: str | None = "mp4",
    faststart: bool = False,
    video_options: dict[str, str] | None = None,
) -> Path:
    """Write `count` frames `paint(index)` (RGB, height x width x 3) at `fps`, then a quiet
    sine tone as long as the video (mono or stereo) unless `audio` is false.

    `container_format=None` lets FFmpeg pick the container from the file name; `faststart`
    puts the MP4 index first, as phones and our renderer do.
    """
    import av
    import numpy as np

    width, height = size
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, container_options=options) as out:
        video = out.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if video_options:
            video.options = dict(video_options)
        sound = None
        if audio:
            layout = {1: "mono", 2: "stereo"}[channels]
            sound = out.add_stream(audio_codec, rate=audio_rate, layout=layout)
        for index in range(count):
            out.mux(video.encode(av.VideoFrame.from_ndarray(paint(index), format="rgb24")))
        out.mux(video.encode())
        if sound is not None:
            # The encoder's own frame size where it has one (AAC 1024, Opus 960); the last
            # chunk may be shorter, so the tone ends with the video.
            chunk = sound.codec_context.frame_size or 1024
            total = round(count * audio_rate / fps)
            for start in range(0, total, chunk):
                t = (start + np.arange(min(chunk, total - start))) / audio_rate
                tone = (0.2 * np.sin(2 * np.pi * tone_hz * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(
                    np.stack([tone] * channels), format="fltp", layout=layout
                )
                frame.sample_rate, frame.pts = audio_rate, start
                out.mux(sound.encode(frame))
            out.mux(sound.encode())
    return path
