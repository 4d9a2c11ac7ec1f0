"""Real small clips for the probe, renderer and post-processing tests, via tests/clips.py.

Unlike the other suites these take any codec and container, and optionally +faststart."""

from tests import clips


def write_clip(
    path,
    *,
    seconds=1.0,
    width=64,
    height=48,
    video_codec="libx264",
    audio_codec="aac",
    audio=True,
    container_format=None,
    faststart=False,
):
    """24 fps flat grey frames whose level changes every frame; 48 kHz stereo tone."""
    import numpy as np

    fps = 24
    return clips.write_clip(
        path,
        lambda index: np.full((height, width, 3), (index * 7) % 256, np.uint8),
        count=round(seconds * fps),
        fps=fps,
        size=(width, height),
        audio=audio,
        audio_rate=48000,
        video_codec=video_codec,
        audio_codec=audio_codec,
        container_format=container_format,
        faststart=faststart,
    )
