"""Video-model providers behind one small interface (base.VideoProvider).

`get_provider(name)` imports the provider module only when asked, so the SDKs (`openai`,
`google-genai`) and the renderer (PyAV, numpy) stay off the web path.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from generation.providers.base import (
    JobSpec,
    ProviderError,
    ProviderJobLost,
    ProviderRefused,
    ProviderStatus,
    ProviderTimeout,
    VideoProvider,
)

PROVIDERS = {
    "local": "generation.providers.local.LocalProvider",
    "diffusers": "generation.providers.diffusion.DiffusersProvider",
    "comfyui": "generation.providers.comfyui.ComfyUIProvider",
    "openai": "generation.providers.openai.OpenAIProvider",
    "veo": "generation.providers.veo.VeoProvider",
}

__all__ = [
    "PROVIDERS",
    "SCALED_IN_POST",
    "JobSpec",
    "ProviderError",
    "ProviderJobLost",
    "ProviderRefused",
    "ProviderStatus",
    "ProviderTimeout",
    "VideoProvider",
    "default_model",
    "get_provider",
    "retired_reason",
]

OPENAI_HOST = "api.openai.com"
# Providers that hand over their clip at the model's render size: post-processing scales it
# to the job's size while it re-encodes anyway (one full-size encode instead of two).
SCALED_IN_POST = frozenset({"diffusers", "comfyui"})


def get_provider(name: str | None = None) -> VideoProvider:
    name = name or settings.GENERATION_PROVIDER
    try:
        path = PROVIDERS[name]
    except KeyError:
        raise ProviderError("unknown_provider", f"No video provider named {name!r}.") from None
    return import_string(path)()


def default_model(name: str | None = None) -> str:
    """The model a new job records, without importing the provider's SDK."""
    name = name or settings.GENERATION_PROVIDER
    if name == "diffusers":
        from generation.providers.families import ModelUnavailable, read_model_folder

        try:
            return read_model_folder(settings.DIFFUSERS_MODEL).model_id
        except ModelUnavailable:
            return "diffusers"
    return {
        "local": "cutaway-local-1",
        "comfyui": "comfyui",
        "openai": settings.OPENAI_VIDEO_MODEL,
        "veo": settings.VEO_MODEL,
    }.get(name, name)


def retired_reason(provider: str, model: str) -> str:
    """Why a job on this provider and model cannot run at all, or "". OpenAI shut the Sora
    Videos API down on 2026-09-24: its sora models only work through another server that
    speaks the same /v1/videos shape (OPENAI_BASE_URL)."""
    from urllib.parse import urlsplit

    if provider != "openai" or not model.startswith("sora"):
        return ""
    host = urlsplit(settings.OPENAI_BASE_URL or f"https://{OPENAI_HOST}").hostname
    if host != OPENAI_HOST:
        return ""
    return (
        f"OpenAI shut down the Sora Videos API ({model}) on 2026-09-24. Point OPENAI_BASE_URL "
        "at a server that speaks /v1/videos, or choose another GENERATION_PROVIDER."
    )
