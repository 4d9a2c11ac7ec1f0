"""The frame classifier: NudeNet's detector on frames sampled from every rendered clip.

An output check (`settings.GENERATION_OUTPUT_CHECKS`, called as `check(job=..., video_path=...)`)
beside `moderation.policy.check_output`, which keeps the size, probe, blank and hash checks.

Frames are taken at the middle of each storyboard shot (a short shot is never skipped) and at
`MODERATION_CLASSIFIER_FPS`, at most `MODERATION_CLASSIFIER_MAX_FRAMES` per clip. NudeNet 3.4.2
ships its ONNX model (`320n.onnx`) inside the wheel, so nothing is downloaded; it is loaded once
per worker process (`check_frames.warm`, called from `worker_process_init`) and kept.

Each detection's score is compared with `MODERATION_CLASSIFIER_THRESHOLDS` (per class: `block`,
`hold`). When the clip shows a cameo, or anyone involved is under 18 (the generating account or
a cameo's owner: `moderation.policy.involves_minor`), the thresholds are multiplied by
`MODERATION_CLASSIFIER_CAMEO_FACTOR` / `_MINOR_FACTOR` (the smaller applies), and with a minor
every hold becomes a block, as in the prompt policy.

Whatever the verdict, the check hands back its evidence (per sampled frame: time, shot, top
classes and scores, a small stored thumbnail) for the review page. Anything that stops the
classifier from judging a frame (the model does not load, onnxruntime raises, a frame does not
decode) is a HOLD with a readable code, never an allow.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from generation.policy import ALLOW, BLOCK, HOLD, PolicyVerdict
from moderation.policy import _verdict, involves_minor

logger = logging.getLogger(__name__)

CHECK = "nudenet"
# NudeNet 3.4.2's classes, in the model's output order (nudenet/nudenet.py's label list).
LABELS = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
TOP_CLASSES = 3  # detections recorded per frame, best first
_SEVERITY = {ALLOW: 0, HOLD: 1, BLOCK: 2}


class ClassifierError(Exception):
    """The classifier could not judge the clip: `code` and `message` are what the job records
    (the user may read them), `detail` the underlying error, for moderators only."""

    def __init__(self, code: str, message: str, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail[:500]


# --- The model ---------------------------------------------------------------------------


def model_path() -> str:
    """MODERATION_CLASSIFIER_MODEL, or the 320n.onnx inside the installed nudenet wheel."""
    if settings.MODERATION_CLASSIFIER_MODEL:
        return settings.MODERATION_CLASSIFIER_MODEL
    import nudenet

    return str(Path(nudenet.__file__).with_name("320n.onnx"))


@cache
def _detector(path: str, resolution: int, threads: int):
    """One NudeDetector per (model, resolution, threads) and process. Failures are not
    cached: the next job tries again."""
    import onnxruntime
    from nudenet import NudeDetector

    class Detector(NudeDetector):
        """NudeNet's detect() on a CPU session with a bounded thread count (its own
        constructor takes every core, which several worker processes would fight over)."""

        def __init__(self):
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            self.onnx_session = onnxruntime.InferenceSession(
                path, sess_options=options, providers=["CPUExecutionProvider"]
            )
            self.input_width = self.input_height = resolution
            self.input_name = self.onnx_session.get_inputs()[0].name

    return Detector()


def _model_name() -> str:
    return (
        f"nudenet {_version()} ({Path(settings.MODERATION_CLASSIFIER_MODEL or '320n.onnx').name})"
    )


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nudenet")
    except PackageNotFoundError:
        return "not installed"


def load_detector():
    """The process's detector for the current settings; ClassifierError when it cannot load."""
    try:
        return _detector(
            model_path(),
            settings.MODERATION_CLASSIFIER_RESOLUTION,
            max(1, settings.MODERATION_CLASSIFIER_THREADS),
        )
    except Exception as exc:  # ImportError, onnxruntime's load errors, a missing file…
        raise ClassifierError(
            "classifier_unavailable", "The frame classifier could not be loaded.", _detail(exc)
        ) from exc


def warm() -> None:
    """Load the model before the first job (worker_process_init); a failure is logged and
    every job is held until it loads."""
    try:
        load_detector()
    except ClassifierError as exc:
        logger.error("frame classifier not loaded: %s", exc.detail)


# --- Which frames ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    seconds: float  # time in the clip
    shot: int | None  # storyboard shot index (None: the job has no storyboard)


def shot_bounds(storyboard) -> list[tuple[float, float]]:
    """(start, end) seconds of each storyboard shot, from the shots' durations."""
    bounds, start = [], 0.0
    for shot in storyboard or ():
        try:
            length = max(0.0, float(shot.get("seconds") or 0))
        except (AttributeError, TypeError, ValueError):
            length = 0.0
        bounds.append((start, start + length))
        start += length
    return bounds


def sample_times(duration: float, storyboard, *, fps: float, max_frames: int) -> list[Sample]:
    """The middle of every shot, plus one frame every 1/fps seconds (centred in its
    interval), thinned evenly when the clip would exceed max_frames; sorted by time."""
    bounds = shot_bounds(storyboard)
    middles = {round((a + b) / 2, 2) for a, b in bounds if (a + b) / 2 < duration}
    step = 1.0 / fps if fps > 0 else duration or 1.0
    regular = [round((k + 0.5) * step, 2) for k in range(max(1, int(duration / step)))]
    regular = [t for t in regular if t < duration and t not in middles] or [round(duration / 2, 2)]
    room = max(0, max_frames - len(middles))
    if len(regular) > room:
        regular = [regular[int(i * len(regular) / room)] for i in range(room)] if room else []
    times = sorted(middles | set(regular))[: max(1, max_frames)]
    return [Sample(t, _shot_at(t, bounds)) for t in times]


def _shot_at(seconds: float, bounds) -> int | None:
    if not bounds:
        return None
    for index, (_, end) in enumerate(bounds):
        if seconds < end:
            return index
    return len(bounds) - 1


def decode_samples(video_path: Path, job) -> list[tuple[Sample, Any]]:
    """(sample, BGR frame as an array) for each sampled time, in one sequential decode
    pass; ClassifierError when the clip does not decode."""
    import av

    side = 2 * settings.MODERATION_CLASSIFIER_RESOLUTION
    try:
        with av.open(str(video_path), "r") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            duration = _duration(container, stream) or float(getattr(job, "seconds", 0) or 0)
            samples = sample_times(
                duration,
                getattr(job, "storyboard", None),
                fps=settings.MODERATION_CLASSIFIER_FPS,
                max_frames=settings.MODERATION_CLASSIFIER_MAX_FRAMES,
            )
            rate = float(stream.average_rate or 24)
            picked: list[tuple[Sample, Any]] = []
            last = None
            for index, frame in enumerate(container.decode(stream)):
                shown_at = frame.time if frame.time is not None else index / rate
                last = frame
                while len(picked) < len(samples) and samples[len(picked)].seconds <= (
                    shown_at + 0.5 / rate
                ):
                    picked.append((samples[len(picked)], _bgr(frame, side)))
                if len(picked) == len(samples):
                    break
            if last is None:
                raise ClassifierError("classifier_frame_unreadable", "The clip has no frames.")
            while len(picked) < len(samples):  # times past the last frame: the last frame
                picked.append((samples[len(picked)], _bgr(last, side)))
            return picked
    except ClassifierError:
        raise
    except Exception as exc:  # PyAV raises many error types for broken files
        raise ClassifierError(
            "classifier_frame_unreadable", "A frame of the clip could not be decoded.", _detail(exc)
        ) from exc


def _detail(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _duration(container, stream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    return float(container.duration or 0) / 1_000_000


def _bgr(frame, side: int):
    """The frame as NudeNet reads images (BGR, as cv2.imread gives them), its long side
    at most `side` (the detector letterboxes and resizes to its resolution anyway)."""
    scale = min(1.0, side / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * scale)), max(2, round(frame.height * scale))
    return frame.reformat(width=width, height=height, format="bgr24").to_ndarray()


# --- Judging -----------------------------------------------------------------------------


@dataclass
class Context:
    """Who the clip involves, and so how strict the thresholds are."""

    cameo: bool
    minor: bool
    factor: float = 1.0
    handles: list[str] = field(default_factory=list)


def context_for(job) -> Context:
    """The job's cameos (job.job_cameos) and the minor rules, as the prompt policy sees them."""
    uses = getattr(job, "job_cameos", None)
    cameos = [use.cameo for use in uses.select_related("cameo__owner")] if uses else []
    minor = involves_minor(getattr(job, "user", None), cameos)
    factor = 1.0
    if cameos:
        factor = min(factor, settings.MODERATION_CLASSIFIER_CAMEO_FACTOR)
    if minor:
        factor = min(factor, settings.MODERATION_CLASSIFIER_MINOR_FACTOR)
    handles = [cameo.mention for cameo in cameos]
    return Context(cameo=bool(cameos), minor=minor, factor=factor, handles=handles)


def judge(detections, context: Context) -> tuple[str, list[dict]]:
    """The frame's decision and the detections that made it (class, score, limit)."""
    decision, flagged = ALLOW, []
    for found in detections:
        rule = settings.MODERATION_CLASSIFIER_THRESHOLDS.get(found["class"]) or {}
        for level in (BLOCK, HOLD):
            limit = rule.get(level)
            if limit is not None and found["score"] >= float(limit) * context.factor:
                flagged.append(
                    {
                        "class": found["class"],
                        "score": round(found["score"], 3),
                        "limit": round(float(limit) * context.factor, 3),
                        "decision": level,
                    }
                )
                if _SEVERITY[level] > _SEVERITY[decision]:
                    decision = level
                break
    return decision, flagged


def check_frames(*, job, video_path):
    """The output check: a PolicyVerdict with the frames' evidence (see the module docstring)."""
    context = context_for(job)
    record: dict = {
        "model": _model_name(),
        "fps": settings.MODERATION_CLASSIFIER_FPS,
        "factor": context.factor,
        "cameo": context.cameo,
        "minor": context.minor,
        "samples": [],
        "error": "",
        "detail": "",
    }
    files: list[str] = []
    try:
        detector = load_detector()
        for sample, image in decode_samples(Path(video_path), job):
            record["samples"].append(_classify(detector, sample, image, context, job, files))
    except ClassifierError as exc:
        record.update(error=exc.code, detail=exc.detail)
        verdict = _verdict(
            HOLD, exc.code, f"{exc.message} A moderator will look at the clip.", CHECK,
            minor=context.minor,
        )  # fmt: skip
        return _with(verdict, record, files)
    return _with(_overall(record["samples"], context), record, files)


def _classify(detector, sample: Sample, image, context: Context, job, files: list[str]) -> dict:
    try:
        detections = detector.detect(image)
    except Exception as exc:  # onnxruntime and cv2 raise their own types
        raise ClassifierError(
            "classifier_failed",
            f"The frame classifier failed at {sample.seconds:.2f} s.",
            _detail(exc),
        ) from exc
    decision, flagged = judge(detections, context)
    best = sorted(detections, key=lambda d: d["score"], reverse=True)[:TOP_CLASSES]
    thumbnail = _store_thumbnail(job, len(files), image)
    if thumbnail:
        files.append(thumbnail)
    return {
        "t": sample.seconds,
        "shot": sample.shot,
        "decision": decision,
        "flagged": flagged,
        "top": [{"class": d["class"], "score": round(d["score"], 3)} for d in best],
        "thumbnail": thumbnail,
    }


def _overall(samples: list[dict], context: Context) -> PolicyVerdict:
    worst = max(samples, key=lambda s: _SEVERITY[s["decision"]], default=None)
    if worst is None or worst["decision"] == ALLOW:
        return PolicyVerdict(ALLOW, "frames_clear", "", CHECK)
    hit = max(
        (f for f in worst["flagged"] if f["decision"] == worst["decision"]),
        key=lambda f: f["score"],
    )
    where = f"{worst['t']:.1f} s" + (
        f" (shot {worst['shot'] + 1})" if worst["shot"] is not None else ""
    )
    who = " with a cameo shown" if context.cameo else ""
    if worst["decision"] == BLOCK:
        code, reason = "unsafe_frames", f"The clip shows prohibited nudity at {where}"
    else:
        code, reason = (
            "frames_need_review",
            f"A moderator will review the clip: nudity likely at {where}",
        )
    # The user reads this (the job's error): the class, not the score, which would let
    # someone tune a clip until it passes. Moderators see the scores on the review page.
    reason += f" ({hit['class'].lower().replace('_', ' ')}{who})."
    return _verdict(worst["decision"], code, reason, CHECK, minor=context.minor)


def _with(verdict: PolicyVerdict, record: dict, files: list[str]) -> PolicyVerdict:
    return PolicyVerdict(
        verdict.decision,
        verdict.code,
        verdict.reason,
        verdict.check,
        evidence={"frames": record},
        files=tuple(files),
    )


def _store_thumbnail(job, index: int, bgr) -> str:
    """A small JPEG of the sampled frame in the job's clip folder (it follows the job's files);
    "" when the job has no folder or storage refuses (the scores are kept either way)."""
    if getattr(job, "pk", None) is None:
        return ""
    from PIL import Image

    from config.storage import save_file
    from generation.services.pipeline import clip_folder

    image = Image.fromarray(bgr[:, :, ::-1])
    image.thumbnail((settings.MODERATION_CLASSIFIER_THUMBNAIL_SIDE,) * 2)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=75)
    name = f"{clip_folder(job.pk, getattr(job, 'attempts', 0) or 0)}/frames/{index:03d}.jpg"
    try:
        return save_file(name, buffer.getvalue())
    except Exception:  # storage down: the verdict must not depend on the strip
        logger.warning("job %s: frame thumbnail not stored", job.pk, exc_info=True)
        return ""


check_frames.warm = warm  # type: ignore[attr-defined]
