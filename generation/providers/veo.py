"""Google Veo through the `google-genai` SDK: a long-running operation, polled until done.

google-genai 3.x serves `generate_videos` in Vertex mode (`vertexai=True`); with an API key
and `http_options.base_url` it calls `<base>/v1beta1/publishers/google/models/<model>:
predictLongRunning` and polls with `...:fetchPredictOperation`. The result carries the video
bytes inline (`bytesBase64Encoded`) when no output bucket is configured, which is how we ask.
"""

from __future__ import annotations

import base64
from pathlib import Path

from django.conf import settings

from generation.providers.base import (
    COMPLETED,
    FAILED,
    IN_PROGRESS,
    JobSpec,
    ProviderError,
    ProviderJobLost,
    ProviderStatus,
    VideoProvider,
)

# Veo's durations; a job asks for the shortest that covers it (capped), like the openai one.
SUPPORTED_SECONDS = (4, 6, 8)


def hosted_seconds(seconds: int) -> int:
    return next((s for s in SUPPORTED_SECONDS if s >= seconds), SUPPORTED_SECONDS[-1])


class VeoProvider(VideoProvider):
    name = "veo"

    def __init__(self):
        from google import genai
        from google.genai import errors, types

        self._types = types
        self._errors = errors
        http_options = types.HttpOptions(
            base_url=settings.GEMINI_BASE_URL,
            timeout=int(settings.GENERATION_PROVIDER_HTTP_TIMEOUT * 1000),
        )
        self.client = genai.Client(
            vertexai=True,
            api_key=settings.GEMINI_API_KEY or "missing-key",
            http_options=http_options,
        )
        self.model = settings.VEO_MODEL
        self._operations: dict[str, object] = {}

    def _call(self, fn, *args, **kwargs):
        errors = self._errors
        try:
            return fn(*args, **kwargs)
        except errors.APIError as exc:
            if exc.code == 404:
                raise ProviderJobLost(
                    "provider_job_lost", "The video provider lost the job."
                ) from None
            message = exc.message or exc.status or f"HTTP {exc.code}"
            raise ProviderError("provider_error", f"The video provider said: {message}") from None
        except Exception as exc:
            # google-genai talks through httpx2 (or requests); match their errors by kind
            # rather than importing a particular HTTP library.
            kinds = {cls.__name__ for cls in type(exc).__mro__}
            if isinstance(exc, TimeoutError) or any("Timeout" in k for k in kinds):
                raise ProviderError(
                    "provider_timeout", "The video provider did not answer in time."
                ) from None
            if kinds & {"TransportError", "ConnectError", "ConnectionError", "NetworkError"}:
                raise ProviderError(
                    "provider_unreachable", "The video provider is unreachable."
                ) from None
            raise

    def _operation(self, provider_job_id: str):
        return self._types.GenerateVideosOperation(name=provider_job_id)

    def submit(self, spec: JobSpec) -> str:
        types = self._types
        config = types.GenerateVideosConfig(
            number_of_videos=1,
            duration_seconds=hosted_seconds(spec.seconds),
            aspect_ratio=spec.aspect,
            seed=spec.seed % (2**32),
            generate_audio=True,
        )
        operation = self._call(
            self.client.models.generate_videos,
            model=spec.model or self.model,
            source=types.GenerateVideosSource(prompt=spec.prompt),
            config=config,
        )
        if not operation.name:
            raise ProviderError("provider_error", "The video provider returned no operation.")
        return operation.name

    def _fetch(self, provider_job_id: str):
        operation = self._call(self.client.operations.get, self._operation(provider_job_id))
        self._operations[provider_job_id] = operation
        return operation

    def poll(self, provider_job_id: str) -> ProviderStatus:
        operation = self._fetch(provider_job_id)
        if not operation.done:
            progress = 0
            if isinstance(operation.metadata, dict):
                progress = int(operation.metadata.get("progressPercent", 0) or 0)
            return ProviderStatus(IN_PROGRESS, progress)
        if operation.error:
            message = operation.error.get("message") or "The video provider failed the job."
            return ProviderStatus(FAILED, 0, "provider_failed", message)
        result = operation.result or operation.response
        videos = (result.generated_videos if result else None) or []
        if not videos:
            reasons = "; ".join(getattr(result, "rai_media_filtered_reasons", None) or [])
            return ProviderStatus(
                FAILED,
                0,
                "provider_refused",
                f"The video provider refused: {reasons or 'the output was filtered.'}",
            )
        return ProviderStatus(COMPLETED, 100)

    def download(self, provider_job_id: str, dest_path: Path) -> Path:
        operation = self._operations.get(provider_job_id) or self._fetch(provider_job_id)
        result = operation.result or operation.response
        videos = (result.generated_videos if result else None) or []
        video = videos[0].video if videos else None
        data = video.video_bytes if video else None
        if isinstance(data, str):
            data = base64.b64decode(data)
        if not data:
            # A gcsUri result needs a bucket we do not configure; say so rather than guess.
            raise ProviderError("provider_error", "The video provider returned no video bytes.")
        Path(dest_path).write_bytes(data)
        return Path(dest_path)
