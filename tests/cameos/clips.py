"""Real small MP4s for cameo tests, written with PyAV (H.264 + AAC)."""

from pathlib import Path


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
    import av
    import numpy as np

    width, height = size
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width = width
        video.height = height
        video.pix_fmt = "yuv420p"
        video.options = {"preset": "ultrafast"}
        sound = None
        if audio:
            sound = out.add_stream("aac", rate=22050, layout="mono")
        for index in range(int(seconds * fps)):
            image = np.full((height, width, 3), 40, dtype=np.uint8)
            if motion:
                x = width // 10 if (index // 2) % 2 == 0 else width // 2
                image[height // 3 : height // 3 + height // 3, x : x + width // 3] = 220
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if sound is not None:
            rate = 22050
            total = int(seconds * rate)
            t = np.arange(total, dtype=np.float32) / rate
            samples = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            chunk = 1024
            for start in range(0, total, chunk):
                part = samples[start : start + chunk]
                frame = av.AudioFrame.from_ndarray(
                    part[np.newaxis, :], format="fltp", layout="mono"
                )
                frame.sample_rate = rate
                frame.pts = start
                for packet in sound.encode(frame):
                    out.mux(packet)
            for packet in sound.encode():
                out.mux(packet)
    return path
