"""Prove that an untrusted file is a playable short video before anything else touches it.

Video is attacker-controlled input to a large C library, so the probe is defensive:

* the container is recognised from its first bytes and only the MP4/MOV or Matroska/WebM
  demuxer is ever run on it, with only the ``file`` protocol: letting FFmpeg probe the format
  itself would let an HLS playlist or concat list disguised as a video read other local files;
* every stream codec must be on an allow-list (video: h264, hevc, vp9, av1; audio: aac, opus,
  mp3); data streams (timecode, phone metadata tracks) are tolerated but never decoded,
  anything else (subtitles, attachments) is refused;
* byte size, width/height, duration and stream count are bounded *before* decoding;
* the first video frame (and the first audio frame when sound is required) is actually decoded,
  which catches truncated files whose headers look fine;
* everything runs under a time budget: FFmpeg's interrupt callback (PyAV's ``timeout``) aborts
  blocking reads, and the demux loop checks a deadline between packets. A single frame decode
  cannot be interrupted, but its cost is bounded by the width/height check that precedes it.

PyAV is imported inside `probe_video`, so importing this module from a view stays cheap.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from media.errors import (
    NO_AUDIO,
    NOT_A_VIDEO,
    PROBE_TIMEOUT,
    TOO_LARGE,
    TOO_LONG,
    TOO_SHORT,
    UNSUPPORTED_CODEC,
    InvalidMedia,
)

ALLOWED_VIDEO_CODECS = frozenset({"h264", "hevc", "vp9", "av1"})
ALLOWED_AUDIO_CODECS = frozenset({"aac", "opus", "mp3"})
# ISO-BMFF top-level box types that may start an MP4/MOV file (bytes 4..8).
_MP4_FIRST_BOXES = frozenset({b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"})
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska / WebM
MAX_STREAMS = 8
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
# How many packets we are willing to read while looking for the first decodable frames.
_MAX_PACKETS_FOR_FIRST_FRAMES = 600
# How much shorter than its stated length (last frame's start + one frame) a video may be
# before it is reported as truncated.
_TAIL_SLACK_SECONDS = 0.15


@dataclass(frozen=True)
class VideoProbe:
    width: int
    height: int
    duration: float  # seconds
    fps: float
    video_codec: str
    audio_codec: str | None
    has_audio: bool
    frame_count: int
    container: str = ""
    audio_sample_rate: int | None = None
    audio_channels: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def probe_video(
    path: str | os.PathLike,
    *,
    require_audio: bool = True,
    min_seconds: float | None = None,
    max_seconds: float | None = None,
    max_width: int = 4096,
    max_height: int = 4096,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
) -> VideoProbe:
    """Open `path`, check it against the bounds and decode its first frames.

    Raises InvalidMedia with one of the codes in media.errors; never anything else for bad
    input (a missing file is the caller's bug and raises FileNotFoundError).
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise InvalidMedia(NOT_A_VIDEO, "The file is empty.")
    if size > max_bytes:
        raise InvalidMedia(TOO_LARGE, f"The file is larger than {max_bytes} bytes.")

    with path.open("rb") as handle:
        head = handle.read(12)
    demuxer = _sniff_container(head)
    if demuxer is None:
        raise InvalidMedia(NOT_A_VIDEO, "The file is not an MP4, MOV or WebM video.")

    import av  # heavy; only on the media path

    deadline = time.monotonic() + timeout
    try:
        container = av.open(
            str(path),
            mode="r",
            format=demuxer,
            timeout=(timeout, timeout),
            options={"protocol_whitelist": "file"},
        )
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        # An interrupted demuxer often reports "invalid data" rather than ExitError.
        if isinstance(exc, av.ExitError) or time.monotonic() >= deadline:
            raise InvalidMedia(PROBE_TIMEOUT, "Opening the file took too long.") from exc
        raise InvalidMedia(NOT_A_VIDEO, "The file is not a video we can read.") from exc

    try:
        with container:
            return _inspect(
                container,
                deadline=deadline,
                require_audio=require_audio,
                min_seconds=min_seconds,
                max_seconds=max_seconds,
                max_width=max_width,
                max_height=max_height,
            )
    except InvalidMedia:
        raise
    except (av.FFmpegError, ValueError, OverflowError, ZeroDivisionError) as exc:
        if isinstance(exc, av.ExitError) or time.monotonic() >= deadline:
            raise InvalidMedia(PROBE_TIMEOUT, "Reading the file took too long.") from exc
        raise InvalidMedia(NOT_A_VIDEO, "The video could not be decoded.") from exc


def _inspect(
    container,
    *,
    deadline: float,
    require_audio: bool,
    min_seconds: float | None,
    max_seconds: float | None,
    max_width: int,
    max_height: int,
) -> VideoProbe:
    streams = list(container.streams)
    if len(streams) > MAX_STREAMS:
        raise InvalidMedia(TOO_LARGE, f"The file has more than {MAX_STREAMS} streams.")

    video_streams, audio_streams = [], []
    for stream in streams:
        if stream.type == "video":
            video_streams.append(stream)
        elif stream.type == "audio":
            audio_streams.append(stream)
        elif stream.type != "data":
            raise InvalidMedia(UNSUPPORTED_CODEC, f"Unsupported {stream.type} stream in the file.")
    if not video_streams:
        raise InvalidMedia(NOT_A_VIDEO, "The file has no video stream.")
    for stream in video_streams:
        name = _codec_name(stream)
        if name not in ALLOWED_VIDEO_CODECS:
            raise InvalidMedia(
                UNSUPPORTED_CODEC,
                f"Video codec {name!r} is not supported (use H.264, HEVC, VP9 or AV1).",
            )
    for stream in audio_streams:
        name = _codec_name(stream)
        if name not in ALLOWED_AUDIO_CODECS:
            raise InvalidMedia(
                UNSUPPORTED_CODEC, f"Audio codec {name!r} is not supported (use AAC, Opus or MP3)."
            )
    if require_audio and not audio_streams:
        raise InvalidMedia(NO_AUDIO, "The video has no sound.")

    video = video_streams[0]
    audio = audio_streams[0] if audio_streams else None
    width, height = video.codec_context.width, video.codec_context.height
    if not width or not height:
        raise InvalidMedia(NOT_A_VIDEO, "The video has no picture size.")
    if width > max_width or height > max_height:
        raise InvalidMedia(
            TOO_LARGE, f"The video is {width}x{height}; the limit is {max_width}x{max_height}."
        )

    duration = _duration_seconds(container, video)
    if duration is None or duration <= 0:
        raise InvalidMedia(TOO_SHORT, "The video has no duration.")
    if max_seconds is not None and duration > max_seconds + 0.05:
        raise InvalidMedia(
            TOO_LONG, f"The video lasts {duration:.1f} s; the limit is {max_seconds:g} s."
        )
    if min_seconds is not None and duration < min_seconds - 0.05:
        raise InvalidMedia(
            TOO_SHORT, f"The video lasts {duration:.1f} s; the minimum is {min_seconds:g} s."
        )

    rate = video.average_rate or video.guessed_rate or video.base_rate
    fps = float(rate) if rate else 0.0
    frame_count = video.frames or (round(duration * fps) if fps else 0)

    _decode_first_frames(container, video, audio if require_audio else None, deadline)
    _check_tail(container, video, duration, deadline)

    return VideoProbe(
        width=int(width),
        height=int(height),
        duration=round(duration, 3),
        fps=round(fps, 3),
        video_codec=_codec_name(video),
        audio_codec=_codec_name(audio) if audio else None,
        has_audio=audio is not None,
        frame_count=int(frame_count),
        container=container.format.name,
        audio_sample_rate=audio.codec_context.sample_rate if audio else None,
        audio_channels=audio.codec_context.channels if audio else None,
    )


def _sniff_container(head: bytes) -> str | None:
    """The FFmpeg demuxer to use for a file starting with `head`, or None if it is neither."""
    if head[:4] == _EBML_MAGIC:
        return "matroska"
    if len(head) >= 8 and head[4:8] in _MP4_FIRST_BOXES:
        return "mp4"
    return None


def _codec_name(stream) -> str:
    # The canonical codec id name ("av1"), not the decoder's ("libdav1d").
    codec = stream.codec_context.codec
    return codec.canonical_name or codec.name


def _duration_seconds(container, video) -> float | None:
    if container.duration:
        return container.duration / 1_000_000  # AV_TIME_BASE
    if video.duration and video.time_base:
        return float(video.duration * video.time_base)
    return None


def _check_tail(container, video, duration: float, deadline: float) -> None:
    """Decode a frame near the end, so a file cut short after its index is caught.

    An MP4 written with the index first ("faststart", as phones and our renderer do) still
    opens and decodes its first frames when the end of the file is missing.
    """
    import av

    if duration <= 1.0 or not video.time_base:
        return
    target = int((duration - 0.5) / video.time_base) + (video.start_time or 0)
    try:
        container.seek(target, stream=video, backward=True, any_frame=False)
    except av.FFmpegError:
        return  # not seekable (rare for MP4/WebM): the first-frame check stands alone
    last_pts = None
    for count, packet in enumerate(container.demux(video)):
        if time.monotonic() > deadline:
            raise InvalidMedia(PROBE_TIMEOUT, "Decoding the video took too long.")
        if packet.pts is not None:
            last_pts = packet.pts if last_pts is None else max(last_pts, packet.pts)
        if packet.size:
            packet.decode()
        if count >= _MAX_PACKETS_FOR_FIRST_FRAMES:
            break
    # Compare with the video stream's own length when the container states it (the audio may
    # run a little longer); allow a few frames of slack.
    expected = float(video.duration * video.time_base) if video.duration else duration
    start = float((video.start_time or 0) * video.time_base)
    rate = video.average_rate or video.guessed_rate
    frame = 1 / float(rate) if rate else 0.0
    end = float(last_pts * video.time_base) - start + frame if last_pts is not None else 0.0
    if end < expected - _TAIL_SLACK_SECONDS:
        raise InvalidMedia(NOT_A_VIDEO, "The video ends early (truncated file?).")


def _decode_first_frames(container, video, audio, deadline: float) -> None:
    """Decode until we hold one video frame (and one audio frame when `audio` is given)."""
    need_video, need_audio = True, audio is not None
    wanted = [video] + ([audio] if audio is not None else [])
    for count, packet in enumerate(container.demux(wanted)):
        if time.monotonic() > deadline:
            raise InvalidMedia(PROBE_TIMEOUT, "Decoding the video took too long.")
        if count >= _MAX_PACKETS_FOR_FIRST_FRAMES:
            break
        is_video = packet.stream.index == video.index
        if (is_video and not need_video) or (not is_video and not need_audio):
            continue
        frames = packet.decode()  # a None packet at EOF flushes the decoder
        if frames:
            if is_video:
                need_video = False
            else:
                need_audio = False
        if not need_video and not need_audio:
            return
    if need_video:
        raise InvalidMedia(NOT_A_VIDEO, "No video frame could be decoded (truncated file?).")
    raise InvalidMedia(NO_AUDIO, "No sound could be decoded (truncated file?).")
