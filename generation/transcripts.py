"""The transcript hook: speech-to-text on a finished clip's sound, checked by the content gate.

Models that make their own sound (LTX-2, hosted models) can say things no prompt or storyboard
text said. `settings.GENERATION_TRANSCRIBERS` names speech-to-text callables by dotted path
(loaded like GENERATION_PROMPT_CHECKS; default empty: no model ships with Cutaway and none can
be downloaded at run time). Each is called as::

    transcriber(samples=<numpy float32, shape (n,), mono, in [-1, 1]>,
                sample_rate=16000, video_path=<Path of the post-processed MP4>) -> str

(16 kHz mono is what Whisper-style models take; `video_path` is there for a transcriber that
reads the file itself). The text it returns goes through `policy.check_content` as the field
`transcript`, with the job's user and the cameos it shows (their minor rules included):
BLOCK blocks the job, HOLD holds it for review. A transcriber that raises, or returns
something that is not text, HOLDs the clip: a failed check is never a silent allow. A clip
without a sound track is not transcribed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from generation import policy

logger = logging.getLogger(__name__)
TRANSCRIBE_RATE = 16_000
MAX_TRANSCRIPT_CHARS = 20_000


def decode_audio(video_path: str | Path):
    """The first audio stream as mono float32 at TRANSCRIBE_RATE, or None without one."""
    import av
    import numpy as np

    with av.open(str(video_path)) as container:
        if not container.streams.audio:
            return None
        resampler = av.AudioResampler(format="flt", layout="mono", rate=TRANSCRIBE_RATE)
        chunks = []
        for frame in container.decode(container.streams.audio[0]):
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
        chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(chunks), dtype=np.float32)


def _job_cameos(job) -> list:
    """Everyone the clip shows: their owners' instructions and ages apply to what is said."""
    if getattr(job, "_meta", None) is None or job.pk is None:
        return []
    return [jc.cameo for jc in job.job_cameos.select_related("cameo__owner")]


def _failed(path: str, why: str) -> policy.PolicyVerdict:
    return policy.PolicyVerdict(
        policy.HOLD,
        "transcript_check_failed",
        f"The clip's speech could not be checked ({why}); a moderator will listen to it.",
        f"transcript:{path}",
        "transcript",
    )


def check_transcripts(*, job, video_path) -> policy.PolicyVerdict | None:
    """Every configured transcriber on the clip's sound, each transcript through the gate;
    the strictest verdict, or None when no transcriber is configured or nothing was said."""
    transcribers = policy.load_hooks("GENERATION_TRANSCRIBERS")
    if not transcribers:
        return None
    try:
        samples = decode_audio(video_path)
    except Exception as exc:  # PyAV raises many error types for a broken track
        return _failed("audio", f"the sound track cannot be decoded: {exc}")
    if samples is None:
        return None
    verdicts = []
    for path, transcriber in transcribers:
        try:
            text = transcriber(
                samples=samples, sample_rate=TRANSCRIBE_RATE, video_path=Path(video_path)
            )
        except Exception as exc:
            logger.warning("transcriber %s failed on %s", path, video_path, exc_info=True)
            verdicts.append(_failed(path, f"{type(exc).__name__}: {exc}"))
            continue
        if not isinstance(text, str):
            verdicts.append(_failed(path, "the transcriber returned no text"))
            continue
        verdict = policy.check_content(
            user=job.user if getattr(job, "user_id", None) else None,
            texts=[("transcript", text[:MAX_TRANSCRIPT_CHARS])],
            cameos=_job_cameos(job),
        )
        if verdict.decision != policy.ALLOW:
            verdicts.append(verdict)
    return policy.strictest(verdicts) if verdicts else None
