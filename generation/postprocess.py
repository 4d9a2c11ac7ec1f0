"""Every provider's output goes through here before anyone sees it.

    postprocess_clip(src_path, *, workdir, watermark=None, provenance) -> ProcessedClip

1. Probe the source (media.probe: a playable H.264/HEVC/VP9/AV1 video *with sound*, bounded),
   raising media.errors.InvalidMedia otherwise.
2. Decode it once and re-encode it (never stream-copy untrusted bytes) as H.264 + AAC with the
   renderer's encoder settings, burning in a watermark naming the creator ("@handle · Cutaway",
   watermark_label) that drifts across the frame over time, so cropping one corner does not
   remove it. The same decode pass feeds every rendition: the watermarked full-size frame is
   encoded as the original and scaled down for each smaller rendition (rendition_ladder: 480
   on the short side, or half the source when it is smaller than that), each with the same
   sound, at lower bitrate. All encoders get keyframes at the same frames (every
   KEYFRAME_SECONDS and at the source's keyframes), so HLS segments line up across renditions.
3. Embed the provenance record as JSON in the MP4's `comment` tag (with a readable
   `description`), a thumbnail JPEG (the frame at ~1 s) and a preview spritesheet JPEG
   (8 frames, 4x2, 180 px wide each), both taken from the watermarked frames.
4. HLS: each rendition's MP4 (our own output, so a stream copy is safe) is cut at its keyframes
   into fMP4 segments with a VOD media playlist (FFmpeg's hls muxer through PyAV), and a master
   playlist lists them with BANDWIDTH (peak segment bitrate), RESOLUTION and CODECS.
5. Hash the final file (SHA-256) and probe it again.

`postprocess_frames` is the same for a provider that yields frames in memory (the local
renderer, the diffusers provider): steps 2-5 straight from its frames, so such a clip is
encoded once per rendition and never decoded (issue 21). Providers that return a file
(openai, veo, comfyui) keep the decode path above.

The embedded provenance never carries the raw prompt: a `prompt` key is replaced by its
`prompt_sha256` (the file is public, the prompt may not be). Timestamps are re-based on the
source's average frame rate (provider clips are constant-rate; a variable-rate source would
be evened out).
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from media.probe import probe_video

MAX_SOURCE_SECONDS = 60
MAX_SOURCE_SIDE = 4096
THUMBNAIL_AT_SECONDS = 1.0
THUMBNAIL_MAX_SIDE = 1280
SPRITE_COLUMNS, SPRITE_ROWS, SPRITE_WIDTH = 4, 2, 180
JPEG_QUALITY = 85
WATERMARK_OPACITY = 0.55
KEYFRAME_SECONDS = 2
PRODUCT_NAME = "Cutaway"
# Smaller renditions, by short side; a source already at or below one gets half its own size.
RENDITION_SHORT_SIDES = (480,)
# Lower quality and a bitrate cap for the smaller renditions (the original keeps qp 24).
# superfast, not ultrafast: at 480p ultrafast's output was nearly as large as the 720p
# original's. Measured on bench/render.py's 10 s clip (post-processing CPU s, 480p kbit/s):
# ultrafast crf 30 2.20 s / 739, superfast crf 28 2.48 s / 434, veryfast crf 28 2.95 s / 285.
# (ultrafast crf 30 with CABAC and 2 B-frames: 0.4 s less CPU per clip but 532 kbit/s; every
# view pays the bitrate, the encode is paid once.)
RENDITION_X264_OPTIONS = {
    "preset": "superfast",
    "crf": "28",
    "x264-params": "scenecut=0:vbv-maxrate=900:vbv-bufsize=1800",
}
# One x264 thread per smaller rendition: each already runs on its own thread beside the
# original's two (_RenditionThread); more threads than cores only added switching.
RENDITION_X264_THREADS = 1
# Area averaging: the cheapest of swscale's filters here and the right one for shrinking
# (0.7 ms a 720x1280 frame against 0.8 for bilinear and bicubic).
RENDITION_SCALER = "AREA"
# Frames a smaller rendition's encoding thread may lag behind the original's (bounded memory:
# 8 frames of 1080x1920 are ~25 MB).
RENDITION_QUEUE_FRAMES = 8
HLS_SEGMENT_SECONDS = KEYFRAME_SECONDS
HLS_DIR = "hls"
HLS_MASTER = "master.m3u8"
HLS_MEDIA_PLAYLIST = "index.m3u8"
HLS_INIT = "init.mp4"
AAC_LC_CODEC = "mp4a.40.2"


@dataclass
class RenditionFile:
    """One encoded size of a clip: its MP4, and its HLS media playlist and segments."""

    width: int
    height: int
    bitrate: int  # bits per second over the whole MP4 (video + audio)
    video_path: Path
    peak_bitrate: int = 0  # the highest HLS segment bitrate (the master's BANDWIDTH)
    codecs: str = ""  # RFC 6381, as HLS CODECS wants it
    hls_files: list[str] = field(default_factory=list)  # relative to ProcessedClip.hls_dir

    @property
    def label(self) -> str:
        """`480p`: the short side, as players name sizes."""
        return f"{min(self.width, self.height)}p"

    @property
    def hls_folder(self) -> str:
        return self.label


@dataclass
class ProcessedClip:
    video_path: Path
    thumbnail_path: Path
    preview_path: Path
    sha256: str
    probe: dict
    provenance: dict = field(default_factory=dict)  # exactly what is embedded in the MP4
    source_sha256: str = ""
    # The original first, then smaller ones; renditions[0].video_path == video_path.
    renditions: list[RenditionFile] = field(default_factory=list)
    hls_dir: Path | None = None  # holds HLS_MASTER and one folder per rendition

    def hls_files(self) -> list[str]:
        """Every HLS file, relative to hls_dir (master playlist first)."""
        return [HLS_MASTER] + [
            f"{r.hls_folder}/{name}" for r in self.renditions for name in r.hls_files
        ]


def watermark_label(handle: str | None) -> str:
    """What the moving watermark says: the creator and the product (`@maya · Cutaway`)."""
    return f"@{handle} · {PRODUCT_NAME}" if handle else PRODUCT_NAME


def rendition_ladder(width: int, height: int) -> list[tuple[int, int]]:
    """The sizes encoded for a `width`x`height` original: itself first, then each smaller
    one (same aspect, even sides); at least one smaller."""
    short = min(width, height)
    targets = [side for side in RENDITION_SHORT_SIDES if side < short] or [short // 2]
    sizes = [(width, height)]
    for side in targets:
        scale = side / short
        size = (max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2))
        if size not in sizes:
            sizes.append(size)
    return sizes


def file_sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def embedded_provenance(provenance: dict, *, source_sha256: str) -> dict:
    """The record written into the file: the caller's fields, prompt hashed, source hash."""
    record = {key: value for key, value in provenance.items() if key != "prompt"}
    if provenance.get("prompt") is not None and "prompt_sha256" not in record:
        record["prompt_sha256"] = hashlib.sha256(str(provenance["prompt"]).encode()).hexdigest()
    if source_sha256:  # frames handed over in memory have no source file
        record["source_sha256"] = source_sha256
    record.setdefault("generator", "cutaway")
    record.setdefault("ai_generated", True)
    return record


def read_provenance(path) -> dict | None:
    """The provenance JSON embedded by postprocess_clip, or None."""
    import av

    with av.open(str(path)) as container:
        comment = container.metadata.get("comment")
    try:
        return json.loads(comment) if comment else None
    except ValueError:
        return None


def postprocess_clip(
    src_path: str | os.PathLike,
    *,
    workdir: str | os.PathLike,
    watermark: str | None = None,
    provenance: dict,
    max_seconds: float = MAX_SOURCE_SECONDS,
    size: str | None = None,
    hls: bool = True,
) -> ProcessedClip:
    """Probe, watermark, re-encode (every rendition), tag, thumbnail, segment and hash
    `src_path` into `workdir`.

    `watermark` is the burned-in text; by default watermark_label(provenance["user"]), the
    creator's handle. With `size` ("720x1280") the frames are scaled to it while re-encoding
    (a model that renders small is scaled once, here, instead of being encoded twice at full
    size).

    Raises media.errors.InvalidMedia when the source is not a playable video with sound.
    Output names are fixed (clip.mp4, clip_480p.mp4, thumbnail.jpg, preview.jpg, hls/): use one
    workdir per job.
    """
    source = probe_video(
        src_path,
        require_audio=True,
        max_seconds=max_seconds,
        max_width=MAX_SOURCE_SIDE,
        max_height=MAX_SOURCE_SIDE,
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    source_sha256 = file_sha256(src_path)
    record = embedded_provenance(provenance, source_sha256=source_sha256)
    label = watermark if watermark is not None else watermark_label(record.get("user"))

    width, height = source.width // 4 * 4, source.height // 4 * 4
    if size:
        width, height = (int(v) // 4 * 4 for v in size.split("x"))
    samples = _decode_audio(Path(src_path), source.container)
    with _decoded_frames(Path(src_path), source, width=width, height=height) as (fps, frames):
        stills, renditions = encode_renditions(
            frames,
            samples,
            workdir=workdir,
            fps=fps,
            width=width,
            height=height,
            label=label,
            record=record,
            expected_frames=max(1, source.frame_count),
        )

    return _finished_clip(
        stills, renditions, workdir=workdir, fps=fps, record=record, hls=hls,
        source_sha256=source_sha256,
    )  # fmt: skip


def postprocess_frames(
    stream,
    *,
    workdir: str | os.PathLike,
    watermark: str | None = None,
    provenance: dict,
    hls: bool = True,
) -> ProcessedClip:
    """postprocess_clip for a clip still in memory (a generation.render.encoder.FrameStream
    from a frame-yielding provider): the watermark is burned into each frame and the stills
    are taken as the frames arrive, and every rendition is encoded once from them, with no
    intermediate MP4 to write, decode and encode again. Same outputs, names and checks on the
    result (the final MP4 is probed like any); the provenance has no source_sha256 (there is
    no source file). Raises InvalidMedia when the stream is out of bounds or yields nothing.
    """
    fps = Fraction(stream.fps)
    width, height = stream.width, stream.height
    if width % 4 or height % 4 or not 0 < max(width, height) <= MAX_SOURCE_SIDE:
        raise _invalid(f"Frames of {width}x{height} cannot be encoded.")
    if not 0 < stream.frame_count <= MAX_SOURCE_SECONDS * fps:
        raise _invalid(f"A clip of {stream.frame_count} frames is out of bounds.")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    record = embedded_provenance(provenance, source_sha256="")
    label = watermark if watermark is not None else watermark_label(record.get("user"))
    stills, renditions = encode_renditions(
        stream.frames,
        stream.samples,
        workdir=workdir,
        fps=fps,
        width=width,
        height=height,
        label=label,
        record=record,
        expected_frames=stream.frame_count,
    )
    return _finished_clip(stills, renditions, workdir=workdir, fps=fps, record=record, hls=hls)


def _finished_clip(
    stills, renditions, *, workdir: Path, fps, record: dict, hls: bool, source_sha256: str = ""
) -> ProcessedClip:
    """The stills saved, the original probed again and hashed, and the HLS cut."""
    thumbnail_path, preview_path = workdir / "thumbnail.jpg", workdir / "preview.jpg"
    _save_thumbnail(stills["thumbnail"], thumbnail_path)
    _save_spritesheet(stills["sprites"], preview_path)
    video_path = renditions[0].video_path
    final = probe_video(video_path, require_audio=True)
    hls_dir = write_hls(renditions, workdir / HLS_DIR, fps=fps) if hls else None
    return ProcessedClip(
        video_path=video_path,
        thumbnail_path=thumbnail_path,
        preview_path=preview_path,
        sha256=file_sha256(video_path),
        probe=final.as_dict(),
        provenance=record,
        source_sha256=source_sha256,
        renditions=renditions,
        hls_dir=hls_dir,
    )


class _decoded_frames:
    """Context manager over the source's frames as (yuv420p buffer, source keyframe) pairs at
    `width`x`height`, one reused buffer; enters as (fps, iterator)."""

    def __init__(self, src: Path, source, *, width: int, height: int):
        self.src, self.source, self.width, self.height = src, source, width, height

    def __enter__(self):
        import av

        # Re-open with the demuxer the probe sniffed, never FFmpeg's own format guess.
        self.reader = av.open(str(self.src), format=self.source.container)
        stream = self.reader.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
        return Fraction(rate).limit_denominator(1001), self._frames(stream)

    def __exit__(self, *exc):
        self.reader.close()

    def _frames(self, stream) -> Iterator:
        import numpy as np

        width, height = self.width, self.height
        buffer = np.empty((height * 3 // 2, width), np.uint8)
        for frame in self.reader.decode(stream):
            if frame.width != width or frame.height != height or frame.format.name != "yuv420p":
                frame = frame.reformat(width=width, height=height, format="yuv420p")
            np.copyto(buffer, frame.to_ndarray())
            yield buffer, frame.key_frame


class _Output:
    """One rendition's MP4 being written: container, streams, and its sound writer.

    The first output encodes the track (encode_sound) and every output muxes those packets
    (PacketWriter): `sound_of` is the first output, whose audio stream is the template of
    the others'. The same AAC bytes in each rendition, encoded once (~0.09 s a 10 s clip)."""

    def __init__(
        self, path: Path, *, width, height, fps, gop, samples, record, options=None, sound_of=None
    ):
        from generation.render.encoder import THREADS, PacketWriter, encode_sound, open_output

        self.path, self.width, self.height = path, width, height
        self.writer, self.video, self.audio = open_output(
            path,
            width=width,
            height=height,
            gop=gop,
            fps=fps,
            x264_options=options,
            threads=RENDITION_X264_THREADS if options is not None else THREADS,
            audio_template=None if sound_of is None else sound_of.audio,
        )
        self.writer.metadata["comment"] = json.dumps(record, sort_keys=True, ensure_ascii=True)
        self.writer.metadata["description"] = (
            "AI-generated with Cutaway; provenance JSON in the comment tag."
        )
        if sound_of is None:
            self.writer.start_encoding()  # opens the encoder: the stream now has its parameters
            self.packets = encode_sound(self.audio, samples)
        else:
            self.packets = sound_of.packets
        self.sound = PacketWriter(self.writer, self.audio, self.packets)

    def encode(self, frame) -> None:
        self.writer.mux(self.video.encode(frame))

    def finish(self) -> None:
        self.writer.mux(self.video.encode(None))
        self.sound.finish()


class _RenditionThread:
    """Scales and encodes one smaller rendition on its own thread, fed the original's frames.

    PyAV releases the GIL inside swscale and x264, so on a machine with a free core the
    smaller renditions cost almost no wall time on top of the original's encode (issue 21:
    bench/render.py's frame path went from ~1.9x the render alone to under 1.2x). The
    output's container is touched only by this thread until finish() has joined it. A failure
    on the thread is raised in the caller at the next put() or at finish()."""

    def __init__(self, output: _Output, samples_per_frame: float):
        self.output, self.samples_per_frame = output, samples_per_frame
        self.frames: queue.Queue = queue.Queue(maxsize=RENDITION_QUEUE_FRAMES)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"rendition-{output.height}p")
        self.thread.start()

    def put(self, frame) -> None:
        if self.error is not None:
            raise self.error
        self.frames.put(frame)

    def _run(self) -> None:
        from av.video.reformatter import VideoReformatter

        output, index, scaler = self.output, 0, VideoReformatter()
        while (frame := self.frames.get()) is not None:
            if self.error is not None:
                continue  # keep draining so the producer never blocks on a full queue
            try:
                small = scaler.reformat(
                    frame,
                    width=output.width,
                    height=output.height,
                    format="yuv420p",
                    interpolation=RENDITION_SCALER,
                )
                small.pts, small.time_base, small.pict_type = (
                    frame.pts,
                    frame.time_base,
                    frame.pict_type,
                )
                output.encode(small)
                index += 1
                output.sound.write_until(int(index * self.samples_per_frame))
            except BaseException as exc:  # noqa: BLE001 - handed to the producer
                self.error = exc

    def stop(self) -> None:
        """End the thread (idempotent); the output is the caller's again afterwards."""
        if self.thread.is_alive():
            self.frames.put(None)
            self.thread.join()

    def finish(self) -> None:
        self.stop()
        if self.error is not None:
            raise self.error
        self.output.finish()


def encode_renditions(
    frames: Iterable,
    samples,
    *,
    workdir: Path,
    fps: Fraction,
    width: int,
    height: int,
    label: str | None,
    record: dict,
    expected_frames: int,
    include_original: bool = True,
    keyframe_cadence: bool = True,
) -> tuple[dict, list[RenditionFile]]:
    """Watermark each frame once and encode it into every rendition of rendition_ladder.

    `frames` yields (yuv420p ndarray of shape (height*3/2, width), keyframe) pairs, from a
    decoder or straight from a model; `samples` is planar float32 stereo at 48 kHz. Returns
    the thumbnail/spritesheet stills and the renditions (original first), written as
    workdir/clip.mp4 and workdir/clip_<short side>p.mp4.

    For a backfill (the frames come from an already watermarked, stored original): label None
    draws nothing, include_original=False encodes only the smaller sizes, and
    keyframe_cadence=False puts keyframes only where the frames say (the original's own), so
    the new renditions' segments line up with the original's.
    """
    from generation.render.encoder import video_frame

    sizes = rendition_ladder(width, height)
    gop = round(KEYFRAME_SECONDS * fps)
    # Without the cadence the encoders must add no keyframes of their own either.
    encoder_gop = gop if keyframe_cadence else 100_000
    thumb_index = min(round(THUMBNAIL_AT_SECONDS * float(fps)), expected_frames - 1)
    sprite_count = SPRITE_COLUMNS * SPRITE_ROWS
    sprite_indexes = [
        min(expected_frames - 1, int((k + 0.5) * expected_frames / sprite_count))
        for k in range(sprite_count)
    ]
    stills: dict = {"thumbnail": None, "sprites": []}
    mark = watermark_overlay(label, width=width, height=height) if label else None
    samples_per_frame = 48_000 / float(fps)
    paths = [workdir / "clip.mp4"] + [workdir / f"clip_{min(s)}p.mp4" for s in sizes[1:]]
    if not include_original:
        sizes, paths = sizes[1:], paths[1:]
    partials = [path.with_name(f".{path.name}.partial") for path in paths]
    outputs: list[_Output] = []
    threads: list[_RenditionThread] = []
    try:
        for number, ((w, h), partial) in enumerate(zip(sizes, partials, strict=True)):
            original = include_original and number == 0
            outputs.append(
                _Output(partial, width=w, height=h, fps=fps, gop=encoder_gop, samples=samples,
                        record=record, options=None if original else RENDITION_X264_OPTIONS,
                        sound_of=outputs[0] if outputs else None)
            )  # fmt: skip
        full = outputs[0] if include_original else None
        smaller = outputs[1:] if include_original else outputs
        threads = [_RenditionThread(output, samples_per_frame) for output in smaller]
        index, out = 0, None
        for buffer, source_key in frames:
            y = buffer[:height]
            u = buffer[height : height + height // 4].reshape(height // 2, width // 2)
            v = buffer[height + height // 4 :].reshape(height // 2, width // 2)
            if mark is not None:
                place_watermark(mark, index / float(fps), width=width, height=height)
                mark.apply(y, u, v)
            # The same keyframes in every rendition: HLS segments align across them.
            keyframe = bool(source_key) or (keyframe_cadence and index % gop == 0)
            # A new frame each time (video_frame copies the buffer): the threads read it while
            # the next one is drawn.
            out = video_frame(buffer, index, keyframe=keyframe, fps=fps)
            if index == thumb_index or index in sprite_indexes:
                image = out.to_image()
                if index == thumb_index:
                    stills["thumbnail"] = image
                stills["sprites"].extend([image] * sprite_indexes.count(index))
            for thread in threads:
                thread.put(out)
            index += 1
            if full is not None:
                full.encode(out)
                full.sound.write_until(int(index * samples_per_frame))
        if index == 0 or out is None:
            raise _invalid("No video frame could be decoded.")
        for thread in threads:
            thread.finish()
        if full is not None:
            full.finish()
        last = out.to_image()
        stills["thumbnail"] = stills["thumbnail"] or last
        stills["sprites"] += [last] * (sprite_count - len(stills["sprites"]))
    finally:
        for thread in threads:
            thread.stop()
        for output in outputs:
            output.writer.close()
    renditions = []
    duration = index / float(fps)
    for (w, h), partial, path in zip(sizes, partials, paths, strict=True):
        os.replace(partial, path)
        bitrate = max(1, round(path.stat().st_size * 8 / duration))
        renditions.append(RenditionFile(width=w, height=h, bitrate=bitrate, video_path=path))
    return stills, renditions


@dataclass
class RenditionSet:
    """The renditions (original first) and HLS folder reencode_renditions made."""

    renditions: list[RenditionFile]
    hls_dir: Path


def reencode_renditions(src: str | os.PathLike, *, workdir: str | os.PathLike) -> RenditionSet:
    """The smaller renditions and HLS of an already post-processed clip (backfill_renditions):
    one decode of `src` (probed like any source: stored files are still bytes from storage),
    no second watermark, keyframes where the original has them; the original's rendition is
    `src` itself, segmented as it is."""
    source = probe_video(
        src, require_audio=True, max_width=MAX_SOURCE_SIDE, max_height=MAX_SOURCE_SIDE
    )
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    width, height = source.width // 2 * 2, source.height // 2 * 2
    samples = _decode_audio(Path(src), source.container)
    with _decoded_frames(Path(src), source, width=width, height=height) as (fps, frames):
        _, smaller = encode_renditions(
            frames,
            samples,
            workdir=workdir,
            fps=fps,
            width=width,
            height=height,
            label=None,
            record=read_provenance(src) or {},
            expected_frames=max(1, source.frame_count),
            include_original=False,
            keyframe_cadence=False,
        )
    bitrate = max(1, round(Path(src).stat().st_size * 8 / max(source.duration, 1e-3)))
    original = RenditionFile(width=width, height=height, bitrate=bitrate, video_path=Path(src))
    renditions = [original, *smaller]
    return RenditionSet(renditions, write_hls(renditions, workdir / HLS_DIR, fps=fps))


def write_hls(renditions: list[RenditionFile], hls_dir: Path, *, fps: Fraction) -> Path:
    """Segment each rendition's MP4 into fMP4 HLS (stream copy of our own output) and write
    the master playlist; fills each rendition's hls_files, peak_bitrate and codecs."""
    import shutil

    if hls_dir.exists():
        shutil.rmtree(hls_dir)
    hls_dir.mkdir(parents=True)
    for rendition in renditions:
        folder = hls_dir / rendition.hls_folder
        folder.mkdir()
        rendition.codecs = _segment(rendition.video_path, folder)
        entries = media_playlist_segments((folder / HLS_MEDIA_PLAYLIST).read_text())
        peak = 0
        for name, seconds in entries:
            peak = max(peak, round((folder / name).stat().st_size * 8 / max(seconds, 1e-3)))
        rendition.peak_bitrate = max(peak, rendition.bitrate)
        rendition.hls_files = [HLS_MEDIA_PLAYLIST, HLS_INIT] + [name for name, _ in entries]
    (hls_dir / HLS_MASTER).write_text(master_playlist(renditions, fps=fps))
    return hls_dir


def master_playlist(renditions: list[RenditionFile], *, fps: Fraction) -> str:
    """The HLS master playlist (RFC 8216 4.3.4.2): one EXT-X-STREAM-INF per rendition, largest
    first, each pointing at its media playlist by a relative URI."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for r in renditions:
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={r.peak_bitrate},AVERAGE-BANDWIDTH={r.bitrate},"
            f'RESOLUTION={r.width}x{r.height},CODECS="{r.codecs}",FRAME-RATE={float(fps):.3f}'
        )
        lines.append(f"{r.hls_folder}/{HLS_MEDIA_PLAYLIST}")
    return "\n".join(lines) + "\n"


def media_playlist_segments(text: str) -> list[tuple[str, float]]:
    """(segment URI, seconds) of a media playlist FFmpeg wrote (EXTINF then the URI)."""
    entries, seconds = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            seconds = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#") and seconds is not None:
            entries.append((line, seconds))
            seconds = None
    return entries


def _segment(mp4: Path, folder: Path) -> str:
    """Cut `mp4` into fMP4 segments at its keyframes; returns its RFC 6381 CODECS string."""
    import av

    with av.open(str(mp4)) as reader:
        video = reader.streams.video[0]
        extradata = bytes(video.codec_context.extradata or b"")
        # avcC: configurationVersion, then profile, compatibility and level bytes.
        codecs = f"avc1.{extradata[1:4].hex()}" if len(extradata) >= 4 else "avc1.640028"
        codecs += f",{AAC_LC_CODEC}"
        writer = av.open(
            str(folder / HLS_MEDIA_PLAYLIST),
            mode="w",
            format="hls",
            options={
                "hls_time": str(HLS_SEGMENT_SECONDS),
                "hls_playlist_type": "vod",
                "hls_segment_type": "fmp4",
                "hls_fmp4_init_filename": HLS_INIT,
                "hls_segment_filename": str(folder / "seg_%03d.m4s"),
                "hls_flags": "independent_segments",
            },
        )
        try:
            streams = {s.index: writer.add_stream_from_template(s) for s in reader.streams}
            for packet in reader.demux():
                if packet.dts is None:
                    continue
                packet.stream = streams[packet.stream.index]
                writer.mux(packet)
        finally:
            writer.close()
    return codecs


def _invalid(message: str):
    from media.errors import NOT_A_VIDEO, InvalidMedia

    return InvalidMedia(NOT_A_VIDEO, message)


def _decode_audio(src: Path, container_format: str):
    """The first audio stream as planar float32 stereo at 48 kHz, shape (2, n)."""
    import av
    import numpy as np

    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48_000)
    chunks = []
    with av.open(str(src), format=container_format) as reader:
        for frame in reader.decode(reader.streams.audio[0]):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray())
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray())
    if not chunks:
        raise _invalid("No sound could be decoded.")
    return np.ascontiguousarray(np.concatenate(chunks, axis=1), dtype=np.float32)


def watermark_overlay(label: str, *, width: int, height: int):
    """The watermark band: `label` in white on a translucent box (an Overlay at 0, 0)."""
    from PIL import Image, ImageDraw, ImageFont

    from generation.render.scene import Overlay

    unit = min(width, height)
    font = ImageFont.load_default(size=max(10, unit // 24))
    pad = max(2, unit // 120)
    box = ImageDraw.Draw(Image.new("L", (1, 1))).textbbox((0, 0), label, font=font)
    w = min(width, (box[2] + 2 * pad + 3) // 2 * 2)
    h = min(height, (box[3] + 2 * pad + 3) // 2 * 2)
    band = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    alpha = round(255 * WATERMARK_OPACITY)
    draw.rounded_rectangle((0, 0, w - 1, h - 1), radius=pad * 2, fill=(0, 0, 0, alpha // 3))
    draw.text((pad, pad), label, font=font, fill=(255, 255, 255, alpha),
              stroke_width=1, stroke_fill=(0, 0, 0, alpha))  # fmt: skip
    return Overlay(band, top=0, left=0)


def _triangle(x: float) -> float:
    x %= 1.0
    return 2 * x if x < 0.5 else 2 - 2 * x


def place_watermark(mark, seconds: float, *, width: int, height: int) -> None:
    """Move `mark` to where it is drawn `seconds` into the clip."""
    # Drifts corner to corner on two incommensurate periods, so it visits the whole frame.
    mark.left = int(_triangle(seconds / 9.0 + 0.1) * (width - mark.width)) // 2 * 2
    mark.top = int(_triangle(seconds / 13.0 + 0.35) * (height - mark.height)) // 2 * 2


def _save_thumbnail(image, path: Path) -> None:
    image = image.convert("RGB")
    image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
    image.save(path, format="JPEG", quality=JPEG_QUALITY, optimize=True)


def _save_spritesheet(images, path: Path) -> None:
    from PIL import Image

    first = images[0]
    tile_h = max(1, round(SPRITE_WIDTH * first.height / first.width))
    sheet = Image.new("RGB", (SPRITE_WIDTH * SPRITE_COLUMNS, tile_h * SPRITE_ROWS))
    for number, image in enumerate(images[: SPRITE_COLUMNS * SPRITE_ROWS]):
        tile = image.convert("RGB").resize((SPRITE_WIDTH, tile_h))
        column, row = number % SPRITE_COLUMNS, number // SPRITE_COLUMNS
        sheet.paste(tile, (column * SPRITE_WIDTH, row * tile_h))
    sheet.save(path, format="JPEG", quality=JPEG_QUALITY, optimize=True)
