"""The provider interface: submit a job spec, poll it, download the result, cancel it.

Every provider, local or hosted, goes through these four calls, so the pipeline in
generation.services.pipeline does not care where pixels come from. Errors are
`ProviderError(code, message)`: `message` is shown to the user, so keep it readable.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generation.formats import aspect_of

QUEUED = "queued"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FAILED = "failed"


class ProviderError(Exception):
    """The provider failed the job (or could not be reached); ends the job `failed`."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ProviderRefused(ProviderError):
    """The provider's own moderation refused the prompt or the output."""


class ProviderTimeout(ProviderError):
    """The provider did not finish within settings.GENERATION_PROVIDER_TIMEOUT_SECONDS."""


class ProviderJobLost(ProviderError):
    """The provider no longer knows the job (e.g. a local render lost with its worker)."""


@dataclass(frozen=True)
class JobSpec:
    job_id: str
    prompt: str
    seconds: int
    size: str  # one of generation.formats.SIZES
    seed: int = 0
    model: str = ""
    shots: list = field(default_factory=list)
    # A local path to the job's reference picture (checked at create), or "".
    reference_image: str = ""
    # (handle, local PNG path) of each character the job shows (generation.references).
    characters: tuple = ()
    # A local path to the last frame of the clip this job extends, or "": the first shot
    # starts from it (the local renderer opens on it; an image model is conditioned on it).
    continue_from: str = ""
    # progress(fraction in 0..1); may raise to abort (e.g. the job was cancelled).
    progress: Callable[[float], None] | None = None
    # For a provider that yields frames (yields_frames): when set, submit hands the clip to
    # frame_sink(encoder.FrameStream) while it is still in memory and writes no file (the
    # pipeline's sink watermarks and encodes it once per rendition); poll/download then do
    # not apply to that submission.
    frame_sink: Callable[[object], None] | None = None

    @property
    def aspect(self) -> str:
        return aspect_of(self.size)


@dataclass(frozen=True)
class ProviderStatus:
    status: str  # QUEUED | IN_PROGRESS | COMPLETED | FAILED
    progress: int = 0  # 0..100
    error_code: str = ""
    error_message: str = ""

    @property
    def done(self) -> bool:
        return self.status in (COMPLETED, FAILED)


class VideoProvider(ABC):
    name: str = ""
    # True when the provider makes frames in this process and honours JobSpec.frame_sink.
    yields_frames: bool = False

    @abstractmethod
    def submit(self, spec: JobSpec) -> str:
        """Start the job; return the provider's id for it."""

    @abstractmethod
    def poll(self, provider_job_id: str) -> ProviderStatus:
        """Where the job is now. Raises ProviderJobLost if the provider forgot it."""

    @abstractmethod
    def download(self, provider_job_id: str, dest_path: Path) -> Path:
        """Write the finished MP4 to dest_path and return it."""

    def cancel(self, provider_job_id: str) -> None:  # noqa: B027  (optional for providers)
        """Best effort: ask the provider to stop (not every API can)."""
