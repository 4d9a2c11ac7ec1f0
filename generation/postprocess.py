"""Every provider's output goes through here before anyone sees it.

    postprocess_clip(src_path, *, workdir, watermark="cutaway", provenance) -> ProcessedClip

1. Probe the source (media.probe: a playable H.264/HEVC/VP9/AV1 video *with sound*, bounded),
   raising media.errors.InvalidMedia otherwise.
2. Decode and re-encode it (never stream-copy untrusted bytes) as H.264 + AAC with the
   renderer's encoder settings, burning in a watermark ("cutaway · <short id>") that drifts
   across the frame over time, so cropping one corner does not remove it.
3. Embed the provenance record as JSON in the MP4's `comment` tag (with a readable
   `description`), a thumbnail JPEG (the frame at ~1 s) and a preview spritesheet JPEG
   (8 frames, 4x2, 180 px wide each), both taken from the watermarked frames.
4. Hash the final file (SHA-256) and probe it again.

The embedded provenance never carries the raw prompt: a `prompt` key is replaced by its
`prompt_sha256` (the file is public, the prompt may not be). Timestamps are re-based on the
source's average frame rate (provider clips are constant-rate; a variable-rate source would
be evened out).
"""

from __future__ import annotations

import hashlib
import json
import os
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


@dataclass
class ProcessedClip:
    video_path: Path
    thumbnail_path: Path
    preview_path: Path
    sha256: str
    probe: dict
    provenance: dict = field(default_factory=dict)  # exactly what is embedded in the MP4
    source_sha256: str = ""


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
    watermark: str = "cutaway",
    provenance: dict,
    max_seconds: float = MAX_SOURCE_SECONDS,
    size: str | None = None,
) -> ProcessedClip:
    """Probe, watermark, re-encode, tag, thumbnail and hash `src_path` into `workdir`.

    With `size` ("720x1280") the frames are scaled to it while re-encoding (a model that
    renders small is scaled once, here, instead of being encoded twice at full size).

    Raises media.errors.InvalidMedia when the source is not a playable video with sound.
    Output names are fixed (clip.mp4, thumbnail.jpg, preview.jpg): use one workdir per job.
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
    short_id = str(record.get("job_id") or source_sha256)[:8]
    label = f"{watermark} · {short_id}" if short_id else watermark

    video_path = workdir / "clip.mp4"
    partial = workdir / ".clip.mp4.partial"
    try:
        stills = _reencode(Path(src_path), partial, source, label=label, record=record, size=size)
        os.replace(partial, video_path)
    finally:
        partial.unlink(missing_ok=True)

    thumbnail_path, preview_path = workdir / "thumbnail.jpg", workdir / "preview.jpg"
    _save_thumbnail(stills["thumbnail"], thumbnail_path)
    _save_spritesheet(stills["sprites"], preview_path)
    final = probe_video(video_path, require_audio=True)
    return ProcessedClip(
        video_path=video_path,
        thumbnail_path=thumbnail_path,
        preview_path=preview_path,
        sha256=file_sha256(video_path),
        probe=final.as_dict(),
        provenance=record,
        source_sha256=source_sha256,
    )


def _reencode(src: Path, dst: Path, source, *, label: str, record: dict, size=None) -> dict:
    import av
    import numpy as np

    from generation.render.encoder import AudioWriter, open_output, video_frame

    samples = _decode_audio(src, source.container)
    width, height = source.width // 4 * 4, source.height // 4 * 4
    if size:
        width, height = (int(v) // 4 * 4 for v in size.split("x"))
    # Re-open with the demuxer the probe sniffed, never FFmpeg's own format guess.
    with av.open(str(src), format=source.container) as reader:
        stream = reader.streams.video[0]
        rate = stream.average_rate or stream.guessed_rate or Fraction(24)
        fps = Fraction(rate).limit_denominator(1001)
        expected = max(1, source.frame_count)
        thumb_index = min(round(THUMBNAIL_AT_SECONDS * float(fps)), expected - 1)
        sprite_count = SPRITE_COLUMNS * SPRITE_ROWS
        sprite_indexes = [
            min(expected - 1, int((k + 0.5) * expected / sprite_count)) for k in range(sprite_count)
        ]
        stills: dict = {"thumbnail": None, "sprites": []}

        buffer = np.empty((height * 3 // 2, width), np.uint8)
        y = buffer[:height]
        u = buffer[height : height + height // 4].reshape(height // 2, width // 2)
        v = buffer[height + height // 4 :].reshape(height // 2, width // 2)
        mark = _watermark_overlay(label, width=width, height=height)
        samples_per_frame = 48_000 / float(fps)

        writer, video, audio = open_output(
            dst, width=width, height=height, gop=round(KEYFRAME_SECONDS * fps), fps=fps
        )
        try:
            writer.metadata["comment"] = json.dumps(record, sort_keys=True, ensure_ascii=True)
            writer.metadata["description"] = (
                "AI-generated with Cutaway; provenance JSON in the comment tag."
            )
            sound = AudioWriter(writer, audio, samples)
            index = 0
            for frame in reader.decode(stream):
                if (
                    frame.width != width
                    or frame.height != height
                    or frame.format.name != ("yuv420p")
                ):
                    frame = frame.reformat(width=width, height=height, format="yuv420p")
                np.copyto(buffer, frame.to_ndarray())
                _place_watermark(mark, index / float(fps), width=width, height=height)
                mark.apply(y, u, v)
                out = video_frame(buffer, index, keyframe=frame.key_frame or index == 0, fps=fps)
                if index == thumb_index or index in sprite_indexes:
                    image = out.to_image()
                    if index == thumb_index:
                        stills["thumbnail"] = image
                    stills["sprites"].extend([image] * sprite_indexes.count(index))
                writer.mux(video.encode(out))
                index += 1
                sound.write_until(int(index * samples_per_frame))
            writer.mux(video.encode(None))
            sound.finish()
            if index == 0:
                raise _invalid("No video frame could be decoded.")
            last = out.to_image()
            stills["thumbnail"] = stills["thumbnail"] or last
            stills["sprites"] += [last] * (sprite_count - len(stills["sprites"]))
        finally:
            writer.close()
    return stills


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


def _watermark_overlay(label: str, *, width: int, height: int):
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


def _place_watermark(mark, seconds: float, *, width: int, height: int) -> None:
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
