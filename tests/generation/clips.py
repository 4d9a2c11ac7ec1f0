"""A real MP4 (H.264 + AAC) written with PyAV, for the fake hosted providers to return."""

from pathlib import Path


def write_mp4(path: Path, *, seconds: float = 4, size=(720, 1280), fps: int = 12) -> Path:
    import av
    import numpy as np

    width, height = size
    with av.open(str(path), mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast"}
        sound = out.add_stream("aac", rate=44100, layout="stereo")
        for index in range(int(seconds * fps)):
            image = np.zeros((height, width, 3), dtype=np.uint8)
            image[:, :, 0] = (index * 7) % 255
            image[height // 3 : height // 2, (index * 20) % width :, 1] = 200
            for packet in video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        rate, chunk = 44100, 1024
        total = int(seconds * rate)
        t = np.arange(total, dtype=np.float32) / rate
        samples = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
        for start in range(0, total, chunk):
            part = samples[start : start + chunk]
            frame = av.AudioFrame.from_ndarray(
                np.stack([part, part]), format="fltp", layout="stereo"
            )
            frame.sample_rate = rate
            frame.pts = start
            for packet in sound.encode(frame):
                out.mux(packet)
        for packet in sound.encode():
            out.mux(packet)
    return path
