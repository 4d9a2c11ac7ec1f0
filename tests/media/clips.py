"""Real small clips written with PyAV, for the probe, renderer and post-processing tests."""


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
    import av
    import numpy as np

    fps = 24
    options = {"movflags": "+faststart"} if faststart else {}
    with av.open(str(path), "w", format=container_format, container_options=options) as container:
        video = container.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if audio:
            sound = container.add_stream(audio_codec, rate=48000)
            sound.layout = "stereo"
        for i in range(round(seconds * fps)):
            pixels = np.full((height, width, 3), (i * 7) % 256, np.uint8)
            for packet in video.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        container.mux(video.encode())
        if audio:
            frame_size = sound.codec_context.frame_size or 1024
            t = np.arange(frame_size) / 48000
            for start in range(0, round(seconds * 48000), frame_size):
                tone = (0.2 * np.sin(2 * np.pi * 440 * (t + start / 48000))).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(
                    np.stack([tone, tone]), format="fltp", layout="stereo"
                )
                frame.sample_rate, frame.pts = 48000, start
                container.mux(sound.encode(frame))
            container.mux(sound.encode())
    return path
