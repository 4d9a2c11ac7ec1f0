"""Real clips for the PDQ / vPDQ tests: rendered by the local renderer, then copied the way
people evade a blocklist — re-encoded at another CRF, scaled down, trimmed, pasted into a
longer video — with PyAV (H.264 + AAC out, like an upload)."""

from fractions import Fraction
from pathlib import Path

FPS = 24


def render(path: Path, prompt: str, *, seed: int, seconds: int = 6, frame_size=None) -> Path:
    from generation.render import render_clip
    from generation.storyboard import plan_storyboard

    shots = plan_storyboard(prompt, seconds, seed=seed)
    return render_clip(shots, size="720x1280", seed=seed, out_path=path, _frame_size=frame_size)


def _frames(source: Path, *, skip_seconds: float = 0.0):
    """Decoded frames of `source` (PyAV VideoFrames) from `skip_seconds` on."""
    import av

    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time < skip_seconds:
                continue
            yield frame


def copy(
    sources: list[tuple[Path, float]],
    target: Path,
    *,
    crf: int = 23,
    size: tuple[int, int] | None = None,
) -> Path:
    """Concatenate (source, seconds skipped at its start) into one H.264 MP4 at `crf`,
    scaled to `size` (width, height) or the first source's size, with a sound track."""
    import av
    import numpy as np

    with av.open(str(sources[0][0])) as probe:
        first = probe.streams.video[0].codec_context
        width, height = size or (first.width, first.height)
    with av.open(str(target), "w", format="mp4") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": "ultrafast"}
        sound = out.add_stream("aac", rate=44100, layout="stereo")
        count = 0
        for source, skip in sources:
            for frame in _frames(source, skip_seconds=skip):
                picture = frame.reformat(width=width, height=height, format="yuv420p")
                picture.pts, picture.time_base = count, Fraction(1, FPS)
                out.mux(video.encode(picture))
                count += 1
        out.mux(video.encode())
        total = round(count * 44100 / FPS)
        for start in range(0, total, 1024):
            t = (start + np.arange(min(1024, total - start))) / 44100
            tone = (0.1 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
            samples = np.stack([tone, tone])
            chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            chunk.sample_rate, chunk.pts = 44100, start
            out.mux(sound.encode(chunk))
        out.mux(sound.encode())
    return target


def frame_at(source: Path, seconds: float):
    """The RGB array of the first frame at or after `seconds`."""
    return next(_frames(source, skip_seconds=seconds)).to_ndarray(format="rgb24")
