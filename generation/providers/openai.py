"""Sora through the official `openai` SDK (`client.videos.*`), for deployments that have it.

The hosted API accepts seconds "4", "8" or "12": a job asks for the shortest of those that
covers its duration (capped at 12), and the provenance records what was asked. The Sora API
is announced to shut down on 2026-09-24, so this is never the default provider.
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

from django.conf import settings

from generation.providers.base import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    QUEUED,
    JobSpec,
    ProviderError,
    ProviderJobLost,
    ProviderRefused,
    ProviderStatus,
    VideoProvider,
)

SUPPORTED_SECONDS = (4, 8, 12)
_STATUS = {"queued": QUEUED, "in_progress": IN_PROGRESS, "completed": COMPLETED, "failed": FAILED}


def hosted_seconds(seconds: int) -> str:
    return str(next((s for s in SUPPORTED_SECONDS if s >= seconds), SUPPORTED_SECONDS[-1]))


def _is_moderation(code: str | None) -> bool:
    return bool(code) and ("moderation" in code or "policy" in code or "safety" in code)


def _fitted_png(spec: JobSpec) -> bytes:
    """The reference cropped and scaled to exactly the clip's size, as the Videos API wants."""
    import io

    from PIL import Image, ImageOps

    width, height = (int(v) for v in spec.size.split("x"))
    with Image.open(spec.reference_image) as image:
        fitted = ImageOps.fit(image.convert("RGB"), (width, height))
    out = io.BytesIO()
    fitted.save(out, format="PNG")
    return out.getvalue()


class OpenAIProvider(VideoProvider):
    name = "openai"

    def __init__(self):
        import openai

        self._openai = openai
        self.client = openai.OpenAI(
            api_key=settings.OPENAI_API_KEY or "missing-key",
            base_url=settings.OPENAI_BASE_URL,
            timeout=settings.GENERATION_PROVIDER_HTTP_TIMEOUT,
            max_retries=settings.GENERATION_PROVIDER_HTTP_RETRIES,
        )
        self.model = settings.OPENAI_VIDEO_MODEL

    def _call(self, fn, *args, **kwargs):
        """Call the SDK, turning its exceptions into ProviderError with a readable message."""
        openai = self._openai
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                return fn(*args, **kwargs)
        except openai.APITimeoutError:
            raise ProviderError(
                "provider_timeout", "The video provider did not answer in time."
            ) from None
        except openai.APIConnectionError:
            raise ProviderError(
                "provider_unreachable", "The video provider is unreachable."
            ) from None
        except openai.NotFoundError:
            raise ProviderJobLost("provider_job_lost", "The video provider lost the job.") from None
        except openai.APIStatusError as exc:
            error = (exc.body or {}).get("error", exc.body) if isinstance(exc.body, dict) else {}
            code = (error or {}).get("code") or f"http_{exc.status_code}"
            message = (error or {}).get("message") or str(exc.message)
            if _is_moderation(code):
                raise ProviderRefused(
                    "provider_refused", f"The video provider refused: {message}"
                ) from None
            raise ProviderError("provider_error", f"The video provider said: {message}") from None

    def submit(self, spec: JobSpec) -> str:
        extra = {}
        if spec.reference_image:
            extra["input_reference"] = ("reference.png", _fitted_png(spec), "image/png")
        video = self._call(
            self.client.videos.create,
            model=spec.model or self.model,
            prompt=spec.prompt,
            seconds=hosted_seconds(spec.seconds),
            size=spec.size,
            **extra,
        )
        return video.id

    def poll(self, provider_job_id: str) -> ProviderStatus:
        video = self._call(self.client.videos.retrieve, provider_job_id)
        status = _STATUS.get(video.status, IN_PROGRESS)
        if status == FAILED:
            code = video.error.code if video.error else "failed"
            message = video.error.message if video.error else "The video provider failed the job."
            if _is_moderation(code):
                return ProviderStatus(FAILED, video.progress or 0, "provider_refused", message)
            return ProviderStatus(FAILED, video.progress or 0, "provider_failed", message)
        return ProviderStatus(status, int(video.progress or 0))

    def download(self, provider_job_id: str, dest_path: Path) -> Path:
        content = self._call(self.client.videos.download_content, provider_job_id, variant="video")
        content.write_to_file(dest_path)
        return Path(dest_path)

    def cancel(self, provider_job_id: str) -> None:
        # The Videos API has no cancel; deleting the job is the closest (best effort).
        with contextlib.suppress(ProviderError):
            self._call(self.client.videos.delete, provider_job_id)
