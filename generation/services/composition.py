"""The worker side of extensions and stitches: clips read back from storage, what is new
rendered by the job's provider, everything joined into one clip and post-processed once.

Video. Every source (a parent job's stored original, or an uploaded clip) is decoded, never
stream-copied, at the job's size and re-timed to the renderer's FPS. An extension continues
from the source's last frame: the local renderer opens its first shot on that picture (a
push-in over it, so its first frame is the picture itself) and a model that takes an image is
conditioned on it (JobSpec.continue_from). A stitch cuts between its parts, or crossfades over
`crossfade` seconds (each join then overlaps the parts: the clip is shorter by that much).

Sound. Each part's track is fitted to exactly its frames. A cut is smoothed over
CUT_SMOOTH_SECONDS on both sides by crossfading each side's track with its mirror image past
the join (no gap, no level step, no click, and no shift of sound against picture); a
crossfade blends the overlapping tracks with equal-power ramps.

Watermark. Stored sources carry their creator's moving watermark already (they are the
caller's own clips), so only frames made here get it burned in: an extension's new frames (at
the position the drift has reached by then, so it moves on from the source's) and a
crossfade's blended frames. An uploaded source is marked throughout.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from config.storage import read_file
from generation.models import GenerationJob, JobParent
from generation.postprocess import (
    MAX_SOURCE_SIDE,
    ProcessedClip,
    place_watermark,
    postprocess_frames,
    watermark_label,
    watermark_overlay,
)
from generation.providers import ProviderError, get_provider
from generation.render.encoder import FPS, SAMPLE_RATE, FrameStream
from generation.storyboard import plan_storyboard, validate_storyboard

SAMPLES_PER_FRAME = SAMPLE_RATE // FPS
CUT_SMOOTH_SECONDS = 0.02
# The camera of an extension's first shot: starts on the whole picture (the source's last
# frame) and eases in, as the source's last move eased out.
OPENING_CAMERA = "push_in"
Kind = GenerationJob.Kind


@dataclass
class Part:
    """One piece of the joined clip: `frames()` yields exactly `frame_count` (yuv420p buffer,
    keyframe) pairs at the job's size; `samples` is its sound, fitted to those frames."""

    frames: Callable[[], Iterable]
    samples: object
    frame_count: int
    marked: bool  # carries its watermark already


def compose(job: GenerationJob, workdir: Path, *, provenance: dict, spec_for) -> tuple:
    """(ProcessedClip, storyboard) of an extension or a stitch. `spec_for(shots, **extra)`
    is the pipeline's JobSpec for this job. ProviderError when a source is gone or the
    provider cannot continue a clip (the pipeline fails and refunds the job)."""
    if job.kind == Kind.EXTEND:
        return _extend(job, workdir, provenance=provenance, spec_for=spec_for)
    return _stitch(job, workdir, provenance=provenance), []


# --- sources -------------------------------------------------------------------------------


def _parents(job: GenerationJob) -> list[GenerationJob]:
    links = JobParent.objects.filter(job_id=job.pk).select_related("parent").order_by("position")
    return [link.parent for link in links]


def _fetch(name: str, path: Path) -> Path:
    try:
        path.write_bytes(read_file(name))
    except (FileNotFoundError, OSError):
        raise ProviderError("source_unavailable", "A clip this job is made from is gone.") from None
    return path


def _fetch_parent(parent: GenerationJob, path: Path) -> Path:
    if parent.status != GenerationJob.Status.SUCCEEDED or not parent.video_file:
        raise ProviderError("source_unavailable", "A clip this job is made from is gone.")
    return _fetch(parent.video_file, path)


def decoded_part(path: Path, *, width: int, height: int, marked: bool = True) -> Part:
    """A stored or uploaded clip as a Part at `width`x`height`, re-timed to FPS (nearest
    frame). InvalidMedia when it is not a bounded, playable video with sound."""
    from generation.postprocess import _decode_audio
    from media.probe import probe_video

    probe = probe_video(
        path, require_audio=True, max_width=MAX_SOURCE_SIDE, max_height=MAX_SOURCE_SIDE
    )
    rate = probe.fps or FPS
    count = max(1, round(probe.frame_count * FPS / rate))
    samples = fit_samples(_decode_audio(path, probe.container), count * SAMPLES_PER_FRAME)

    def frames() -> Iterator:
        from generation.postprocess import _decoded_frames

        with _decoded_frames(path, probe, width=width, height=height) as (fps, decoded):
            yield from _retimed(iter(decoded), count, float(fps))

    return Part(frames=frames, samples=samples, frame_count=count, marked=marked)


def _retimed(decoded: Iterator, count: int, rate: float) -> Iterator:
    """Exactly `count` frames at FPS from a decoder at `rate` (the last one held if short)."""
    shown, current = -1, None
    for index in range(count):
        wanted = int(index * rate / FPS)
        while shown < wanted:
            item = next(decoded, None)
            if item is None:
                break
            current, shown = item[0], shown + 1
        if current is None:
            from media.errors import NOT_A_VIDEO, InvalidMedia

            raise InvalidMedia(NOT_A_VIDEO, "No video frame could be decoded.")
        yield current, False


def fit_samples(samples, length: int):
    """(2, n) float32 cut to `length`, or extended by mirroring its end (never silence)."""
    import numpy as np

    samples = np.asarray(samples, np.float32)
    while samples.shape[1] < length:
        missing = length - samples.shape[1]
        tail = samples[:, ::-1][:, : min(missing, samples.shape[1])]
        samples = np.concatenate([samples, tail], axis=1)
    return np.ascontiguousarray(samples[:, :length])


# --- extend --------------------------------------------------------------------------------


def _extend(job: GenerationJob, workdir: Path, *, provenance: dict, spec_for) -> tuple:
    record = job.provenance.get("extension") or {}
    new_seconds = int(record.get("seconds") or 0)
    parents = _parents(job)
    if parents:
        source_job = parents[0]
        source_path = _fetch_parent(source_job, workdir / "source.mp4")
    elif record.get("upload"):
        source_job = None
        source_path = _fetch(record["upload"], workdir / "source.mp4")
    else:
        raise ProviderError("source_unavailable", "The clip this job extends is gone.")
    width, height = job.width, job.height
    # An upload was never watermarked; a parent's stored clip was.
    source = decoded_part(source_path, width=width, height=height, marked=source_job is not None)
    opening = _opening_picture(source_job, source, workdir / "opening.png")
    shots = _extension_shots(job, new_seconds)
    provider = get_provider(job.provider)
    if not provider.yields_frames:
        raise ProviderError("extend_unsupported", f"{job.provider} cannot continue a clip.")
    made: dict = {}

    def sink(stream) -> None:
        new = Part(
            frames=lambda: stream.frames,
            samples=fit_samples(stream.samples, stream.frame_count * SAMPLES_PER_FRAME),
            frame_count=stream.frame_count,
            marked=False,
        )
        joined = join_parts([source, new], width=width, height=height, label=_label(job))
        made["clip"] = postprocess_frames(
            joined, workdir=workdir / "out", watermark="", provenance=provenance
        )

    spec = spec_for(shots, frame_sink=sink, continue_from=str(opening))
    provider.submit(dataclasses.replace(spec, seconds=new_seconds))
    if "clip" not in made:
        raise ProviderError("no_frames", "The renderer finished without handing over a clip.")
    return made["clip"], shots


def _extension_shots(job: GenerationJob, seconds: int) -> list[dict]:
    """The new part's shots (the sent storyboard, or the deterministic plan of the prompt),
    the first one opening on the source's last frame."""
    if job.user_storyboard and job.storyboard:
        shots = validate_storyboard(job.storyboard, seconds)
    else:
        instructions = tuple(job.provenance.get("instructions", ()))
        shots = plan_storyboard(job.prompt, seconds, seed=job.seed, cameo_instructions=instructions)
    shots[0] = {**shots[0], "camera": OPENING_CAMERA}
    return shots


def _opening_picture(source_job: GenerationJob | None, source: Part, path: Path) -> Path:
    """The source's last frame as a PNG. A clip the local renderer made is drawn again from
    its storyboard (deterministic: the same picture without the burned-in watermark and
    captions); anything else is its stored last frame."""
    last = None
    if source_job is not None and _redrawable(source_job):
        from generation.render import render_frames

        stream = render_frames(
            source_job.storyboard, size=source_job.size, seed=source_job.seed, captions=False
        )
        frames: Iterable = stream.frames
    else:
        frames = source.frames()
    for buffer, _ in frames:
        last = buffer
    if last is None:
        raise ProviderError("source_unavailable", "The clip this job extends has no frames.")
    _yuv_image(last).save(path, format="PNG")
    return path


def _redrawable(job: GenerationJob) -> bool:
    return bool(
        job.kind == Kind.GENERATE
        and job.provider == "local"
        and job.storyboard
        and not job.provenance.get("reference_image")
    )


def _yuv_image(buffer):
    import av

    return av.VideoFrame.from_ndarray(buffer, format="yuv420p").to_image()


# --- stitch --------------------------------------------------------------------------------


def _stitch(job: GenerationJob, workdir: Path, *, provenance: dict) -> ProcessedClip:
    record = job.provenance.get("stitch") or {}
    parents = _parents(job)
    if len(parents) != int(record.get("parts") or 0):
        raise ProviderError("source_unavailable", "A clip this stitch is made from is gone.")
    width, height = job.width, job.height
    parts = [
        decoded_part(_fetch_parent(p, workdir / f"part-{n}.mp4"), width=width, height=height)
        for n, p in enumerate(parents)
    ]
    overlap = round(float(record.get("crossfade") or 0) * FPS)
    joined = join_parts(parts, width=width, height=height, label=_label(job), overlap=overlap)
    return postprocess_frames(joined, workdir=workdir / "out", watermark="", provenance=provenance)


# --- joining -------------------------------------------------------------------------------


def _label(job: GenerationJob) -> str:
    return watermark_label(job.user.handle)


def joined_length(counts: list[int], overlap: int) -> int:
    return sum(counts) - overlap * (len(counts) - 1)


def join_parts(
    parts: list[Part], *, width: int, height: int, label: str, overlap: int = 0
) -> FrameStream:
    """The parts as one FrameStream: cuts between them, or `overlap` frames of crossfade at
    each join; frames made here (unmarked parts, crossfades) get the moving watermark."""
    samples = join_samples([p.samples for p in parts], overlap * SAMPLES_PER_FRAME)
    frames = _joined_frames(parts, width=width, height=height, label=label, overlap=overlap)
    count = joined_length([p.frame_count for p in parts], overlap)
    return FrameStream(
        frames=frames, samples=samples, width=width, height=height, frame_count=count, fps=FPS
    )


def _joined_frames(parts: list[Part], *, width, height, label: str, overlap: int) -> Iterator:
    import numpy as np

    mark = watermark_overlay(label, width=width, height=height)
    index = 0

    def marked(buffer):
        y = buffer[:height]
        u = buffer[height : height + height // 4].reshape(height // 2, width // 2)
        v = buffer[height + height // 4 :].reshape(height // 2, width // 2)
        place_watermark(mark, index / FPS, width=width, height=height)
        mark.apply(y, u, v)
        return buffer

    tail: list = []  # the previous part's last `overlap` frames, held for the crossfade
    blend = np.empty((height * 3 // 2, width), np.uint8)
    for number, part in enumerate(parts):
        head = overlap if number else 0
        keep = overlap if number < len(parts) - 1 else 0
        for offset, (buffer, _) in enumerate(part.frames()):
            if offset < head:
                weight = (offset + 1) / (overlap + 1)
                mixed = tail[offset] * (1 - weight) + buffer * weight
                np.copyto(blend, np.clip(mixed + 0.5, 0, 255).astype(np.uint8))
                yield marked(blend), offset == 0
            elif offset >= part.frame_count - keep:
                tail.append(buffer.astype(np.float32))
                continue
            else:
                frame = buffer if part.marked else marked(buffer)
                yield frame, offset == head  # a keyframe on every cut
            index += 1
        tail = tail[-overlap:] if keep else []


def join_samples(tracks: list, overlap: int = 0):
    """The tracks (each (2, n) float32) in sequence: smoothed cuts, or `overlap` samples of
    equal-power crossfade at each join."""
    import numpy as np

    track = np.asarray(tracks[0], np.float32)
    for nxt in tracks[1:]:
        nxt = np.asarray(nxt, np.float32)
        if overlap:
            track = _crossfade(track, nxt, overlap)
        else:
            track = _smooth_cut(track, nxt, round(CUT_SMOOTH_SECONDS * SAMPLE_RATE))
    return np.ascontiguousarray(np.clip(track, -1.0, 1.0), dtype=np.float32)


def _crossfade(a, b, overlap: int):
    import numpy as np

    n = min(overlap, a.shape[1], b.shape[1])
    t = (np.arange(n, dtype=np.float32) + 0.5) / n
    fade_in, fade_out = np.sin(t * math.pi / 2), np.cos(t * math.pi / 2)
    middle = a[:, a.shape[1] - n :] * fade_out + b[:, :n] * fade_in
    return np.concatenate([a[:, : a.shape[1] - n], middle, b[:, n:]], axis=1)


def _smooth_cut(a, b, half: int):
    """a then b, same length; around the join each side is crossfaded with the other's
    mirror image (its sound continued past the join), so nothing jumps there."""
    import numpy as np

    h = min(half, a.shape[1] // 2, b.shape[1] // 2)
    if h < 1:
        return np.concatenate([a, b], axis=1)
    a_side = np.concatenate([a[:, -h:], a[:, -2 : -h - 2 : -1]], axis=1)
    b_side = np.concatenate([b[:, h:0:-1], b[:, :h]], axis=1)
    t = (np.arange(2 * h, dtype=np.float32) + 0.5) / (2 * h)
    weight = 0.5 - 0.5 * np.cos(t * math.pi)
    middle = a_side * (1 - weight) + b_side * weight
    return np.concatenate([a[:, :-h], middle, b[:, h:]], axis=1)
