"""From storyboard shots to model prompts, and from per-shot model output to one MP4.

Torch-free (numpy and PyAV only), so the joining is the same for every provider that renders
shot by shot. Each shot's frames are re-timed from the model's frame rate to the output's
(generation.render.encoder.FPS) and cut hard at the shot boundaries (a keyframe on each cut),
at the model's frame size, where post-processing scales the clip to the job's size
(write_shots), or in memory at the job's size as post-processing takes the frames
(shot_stream). Sound is the model's own per-shot track (resampled, joined with short
crossfades at the cuts) or, for a silent family, Cutaway's synthesised track for the same shots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generation.render.encoder import FPS, SAMPLE_RATE, SAMPLES_PER_FRAME

CROSSFADE_SECONDS = 0.04
CAMERA_WORDS = {
    "static": "static camera, locked-off shot",
    "pan_left": "the camera pans slowly to the left",
    "pan_right": "the camera pans slowly to the right",
    "zoom_in": "the camera slowly zooms in",
    "zoom_out": "the camera slowly zooms out, revealing the scene",
    "push_in": "the camera pushes in towards the subject",
    "tilt_up": "the camera tilts up",
    "tilt_down": "the camera tilts down",
}
NEGATIVE_PROMPT = "blurry, distorted, low quality, watermark, text artifacts, jitter"


def shot_prompt(shot: dict) -> str:
    """One shot in words a video model follows: who, doing what, how the camera moves, what
    is said, and the cameo owners' instructions (which every shot must respect)."""
    parts = [f"{shot['subject']} {shot['action']}".strip().rstrip(".") + "."]
    parts.append(CAMERA_WORDS.get(shot["camera"], shot["camera"].replace("_", " ")) + ".")
    if shot.get("dialogue"):
        parts.append(f'They say: "{shot["dialogue"]}".')
    if shot.get("constraints"):
        parts.append("Respect these instructions: " + " ".join(shot["constraints"]))
    return " ".join(parts)


@dataclass
class ShotRender:
    """What the model made for one shot: RGB frames in [0, 1], shape (frames, h, w, 3), at
    `fps`; stereo `audio` (2, samples) in [-1, 1] at `audio_rate`, or None."""

    frames: object
    fps: float
    audio: object = None
    audio_rate: int = 0


def retime(frame_count: int, source_frames: int, source_fps: float) -> list[int]:
    """For each of `frame_count` output frames at FPS, the source frame shown then."""
    last = source_frames - 1
    return [min(last, int(index * source_fps / FPS)) for index in range(frame_count)]


def _fit(samples, length: int):
    """`samples` (2, n) cut or zero-padded to exactly `length` samples."""
    import numpy as np

    fitted = np.zeros((2, length), np.float32)
    take = min(length, samples.shape[1])
    fitted[:, :take] = samples[:, :take]
    return fitted


def _resample(audio, rate: int):
    """Linear resampling of (channels, n) to SAMPLE_RATE; mono becomes stereo."""
    import numpy as np

    audio = np.asarray(audio, np.float32)
    if audio.ndim == 1 or audio.shape[0] == 1:
        audio = np.vstack([audio.reshape(1, -1)] * 2)
    if rate == SAMPLE_RATE or audio.shape[1] < 2:
        return audio[:2]
    n_out = round(audio.shape[1] * SAMPLE_RATE / rate)
    positions = np.arange(n_out) * (rate / SAMPLE_RATE)
    source = np.arange(audio.shape[1])
    return np.stack([np.interp(positions, source, channel) for channel in audio[:2]])


def join_audio(renders: list[ShotRender], frame_counts: list[int]):
    """The shots' own tracks in sequence, each exactly its frames' duration, overlapped by a
    short linear crossfade that ends at each cut (the earlier shot's tail fades under the
    next shot's start)."""
    import numpy as np

    fade = round(CROSSFADE_SECONDS * SAMPLE_RATE)
    lengths = [count * SAMPLES_PER_FRAME for count in frame_counts]
    track = np.zeros((2, sum(lengths)), np.float32)
    start = 0
    for number, (render, length) in enumerate(zip(renders, lengths, strict=True)):
        segment = _fit(_resample(render.audio, render.audio_rate), length)
        if number > 0 and fade:
            ramp = np.linspace(0.0, 1.0, min(fade, length), dtype=np.float32)
            segment[:, : ramp.size] *= ramp
            track[:, start : start + ramp.size] *= ramp[::-1]
        track[:, start : start + length] += segment
        start += length
    return np.clip(track, -1.0, 1.0)


def write_shots(shots: list[dict], renders: list[ShotRender], *, seed: int, path: Path) -> None:
    """Encode the shots as one H.264 + AAC MP4 of the storyboard's length at the first shot's
    frame size (post-processing scales it to the job's size: SCALED_IN_POST)."""
    height, width = (side // 2 * 2 for side in renders[0].frames[0].shape[:2])
    counts, samples = _timing_and_sound(shots, renders, seed=seed)
    _encode(renders, counts, samples, width=width, height=height, path=path)


def shot_stream(
    shots: list[dict], renders: list[ShotRender], *, seed: int, width: int, height: int
):
    """The joined shots in memory (an encoder.FrameStream) at `width`x`height`, the job's
    size: each model frame is scaled and converted to yuv420p once, as post-processing takes
    it, with the same re-timing, cuts and sound as write_shots."""
    counts, samples = _timing_and_sound(shots, renders, seed=seed)
    from generation.render.encoder import FrameStream

    return FrameStream(
        frames=_stream_frames(renders, counts, width=width, height=height),
        samples=samples,
        width=width,
        height=height,
        frame_count=sum(counts),
    )


def _timing_and_sound(shots, renders, *, seed: int):
    from generation.render import shot_frame_counts
    from generation.render.sound import synthesize_track

    counts = shot_frame_counts(shots)
    if all(render.audio is not None for render in renders):
        return counts, join_audio(renders, counts)
    return counts, synthesize_track(shots, counts, seed=seed, fps=FPS)


def _stream_frames(renders, counts, *, width: int, height: int):
    import av
    import numpy as np

    for render, count in zip(renders, counts, strict=True):
        pixels = np.clip(np.asarray(render.frames) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        for offset, source in enumerate(retime(count, len(pixels), render.fps)):
            picture = av.VideoFrame.from_ndarray(pixels[source], format="rgb24")
            scaled = picture.reformat(width=width, height=height, format="yuv420p")
            yield scaled.to_ndarray(), offset == 0


def _encode(renders, counts, samples, *, width: int, height: int, path: Path) -> None:
    import av
    import numpy as np

    from generation.render.encoder import AudioWriter, open_output, video_frame

    container, video, audio = open_output(path, width=width, height=height, gop=max(counts))
    try:
        sound = AudioWriter(container, audio, samples)
        done = 0
        for render, count in zip(renders, counts, strict=True):
            pixels = np.clip(np.asarray(render.frames) * 255.0 + 0.5, 0, 255).astype(np.uint8)
            for offset, source in enumerate(retime(count, len(pixels), render.fps)):
                picture = av.VideoFrame.from_ndarray(pixels[source], format="rgb24")
                scaled = picture.reformat(width=width, height=height, format="yuv420p")
                frame = video_frame(scaled.to_ndarray(), done + offset, keyframe=offset == 0)
                container.mux(video.encode(frame))
            done += count
            sound.write_until(done * SAMPLES_PER_FRAME)
        container.mux(video.encode(None))
        sound.finish()
    finally:
        container.close()
