"""Output settings for every clip the local renderer writes (and for the benchmark's floor run).

Kept in one place so that `bench/render.py` encodes its blank-frame floor with exactly the
settings the renderer uses. PyAV is imported inside the functions (render path only).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

FPS = 24
SAMPLE_RATE = 48_000
SAMPLES_PER_FRAME = SAMPLE_RATE // FPS  # 2000: audio and video cut at the same instants
AUDIO_BIT_RATE = 128_000
# ultrafast: the local renderer's pictures are flat shapes and gradients that compress well
# without the slower presets' tools. scenecut=0 and an explicit keyframe on every shot's first
# frame put the I-frames exactly at the cuts (and make the GOP structure independent of
# content). x264 is deterministic with threads unless --non-deterministic is set, so two
# threads keep byte-identical output.
# A constant quantiser (qp), not crf: crf carries rate-control state (the blurred complexity
# and the average P-frame quantiser that sets each I-frame's) from one shot into the next, so
# re-rendering one shot changed the decoded pixels of every later shot. With qp each shot,
# starting at an IDR frame, decodes to the same pixels whatever the other shots hold, which
# is what an edit (generations/{id}/edit) promises for the shots it keeps. qp 24 is also
# smaller than crf 26 was on these pictures (8 s 720x1280: 393 KB against 605 KB).
X264_OPTIONS = {"preset": "ultrafast", "qp": "24", "x264-params": "scenecut=0"}
THREADS = 2
# bitexact: no library version string in the container; faststart: the index first, so phones
# start playing before the download ends. No creation_time is ever set (it stays zero).
CONTAINER_OPTIONS = {"movflags": "+faststart", "fflags": "+bitexact"}


def open_output(
    path,
    *,
    width: int,
    height: int,
    gop: int,
    fps: Fraction | int = FPS,
    x264_options: dict | None = None,
    threads: int = THREADS,
    audio_template=None,
):
    """Open an MP4 for writing with the renderer's H.264 + AAC streams; returns (c, v, a).
    `x264_options` replaces X264_OPTIONS and `threads` THREADS (post-processing's smaller
    renditions). With `audio_template` (an opened AAC stream of another output) the audio
    stream takes its parameters and carries that output's packets (PacketWriter): the track
    is encoded once for every rendition."""
    import av

    container = av.open(str(path), mode="w", format="mp4", container_options=CONTAINER_OPTIONS)
    video = container.add_stream("libx264", rate=fps, options=dict(x264_options or X264_OPTIONS))
    video.width, video.height, video.pix_fmt = width, height, "yuv420p"
    video.time_base = 1 / Fraction(fps)
    context = video.codec_context
    context.gop_size = max(1, gop)
    context.thread_count = threads
    # Pictures are converted from sRGB with BT.601 limited-range coefficients (scene.py).
    context.colorspace = 6  # AVCOL_SPC_SMPTE170M
    context.color_primaries = 1  # AVCOL_PRI_BT709 (sRGB primaries)
    context.color_trc = 13  # AVCOL_TRC_IEC61966_2_1 (sRGB)
    context.color_range = 1  # AVCOL_RANGE_MPEG (limited)
    if audio_template is not None:
        return container, video, container.add_stream_from_template(audio_template)
    # The "fast" AAC coder is several times quicker than the default two-loop search and
    # transparent enough for synthesised beds and tones.
    audio = container.add_stream("aac", rate=SAMPLE_RATE, options={"aac_coder": "fast"})
    audio.layout = "stereo"
    audio.bit_rate = AUDIO_BIT_RATE
    return container, video, audio


@dataclass
class FrameStream:
    """A clip still in memory, as a frame-yielding provider hands it to post-processing
    (postprocess.postprocess_frames), so it is encoded once per rendition instead of being
    written to an MP4, decoded and encoded again (issue 21).

    `frames` yields (buffer, keyframe) pairs: buffer is yuv420p, shape (height*3/2, width),
    uint8 (it may be reused between frames: consume it before asking for the next), keyframe
    is True on a shot's first frame. `samples` is the sound, planar float32 stereo at
    SAMPLE_RATE, shape (2, n). Iterating `frames` does the rendering, so it runs once."""

    frames: Iterable
    samples: object
    width: int
    height: int
    frame_count: int
    fps: Fraction | int = FPS


def video_frame(buffer, index: int, *, keyframe: bool = False, fps: Fraction | int = FPS):
    """A yuv420p frame from `buffer` (shape (h*3/2, w), uint8; copied) at frame `index`."""
    import av

    frame = av.VideoFrame.from_ndarray(buffer, format="yuv420p")
    frame.pts = index
    frame.time_base = 1 / Fraction(fps)
    if keyframe:
        frame.pict_type = av.video.frame.PictureType.I
    return frame


class AudioWriter:
    """Feeds a planar float32 stereo track to the AAC encoder in 1024-sample frames, on demand."""

    def __init__(self, container, stream, samples):
        self.container, self.stream, self.samples = container, stream, samples
        self.size = stream.codec_context.frame_size or 1024
        self.position = 0

    def write_until(self, sample: int) -> None:
        import av

        end = min(sample, self.samples.shape[1])
        while self.position + self.size <= end or (
            end == self.samples.shape[1] and self.position < end
        ):
            stop = min(self.position + self.size, end)
            chunk = self.samples[:, self.position : stop]
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = SAMPLE_RATE
            frame.pts = self.position
            frame.time_base = Fraction(1, SAMPLE_RATE)
            self.container.mux(self.stream.encode(frame))
            self.position = stop

    def finish(self) -> None:
        self.write_until(self.samples.shape[1])
        self.container.mux(self.stream.encode(None))


@dataclass(frozen=True)
class EncodedAudio:
    """One AAC packet's bytes and timing, to be muxed into any number of outputs (a muxed
    av.Packet is consumed: each output gets its own copy)."""

    data: bytes
    pts: int
    dts: int
    duration: int
    time_base: Fraction
    keyframe: bool


def encode_sound(stream, samples) -> list[EncodedAudio]:
    """The whole track through `stream`'s AAC encoder (its container started, so the stream
    carries the encoder's parameters for templates), as AudioWriter feeds it, unmuxed."""
    packets = []

    class _Collect:
        def mux(self, encoded):
            packets.extend(encoded)

    AudioWriter(_Collect(), stream, samples).finish()
    return [
        EncodedAudio(bytes(p), p.pts, p.dts, p.duration, p.time_base, p.is_keyframe)
        for p in packets
    ]


class PacketWriter:
    """AudioWriter's interface over packets encoded once (encode_sound): write_until muxes
    those that end by `sample`, finish the rest."""

    def __init__(self, container, stream, packets: list[EncodedAudio]):
        self.container, self.stream, self.packets = container, stream, packets
        self.position = 0

    def write_until(self, sample: int) -> None:
        import av

        while self.position < len(self.packets):
            encoded = self.packets[self.position]
            if encoded.pts + encoded.duration > sample:
                return
            packet = av.Packet(encoded.data)
            packet.pts, packet.dts, packet.duration = encoded.pts, encoded.dts, encoded.duration
            packet.time_base, packet.is_keyframe = encoded.time_base, encoded.keyframe
            packet.stream = self.stream
            self.container.mux(packet)
            self.position += 1

    def finish(self) -> None:
        self.write_until(2**62)
