"""Which video models this deployment can render, and what each can do (capabilities as data).

`GET /api/v1/models`, `GET /v1/models` and the create-time check read the same list, so a
request a model cannot serve (size, seconds, a reference image, one it needs) is a 400 naming
the field before anything is charged. Torch-free: the diffusers entry is read from the model
folder's model_index.json (families.py), and a folder that cannot be read is not listed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError

from generation.formats import MAX_SECONDS, MIN_SECONDS, SIZES
from generation.providers import ProviderError, default_model, retired_reason
from generation.providers.comfyui import load_workflow, workflow_family
from generation.providers.families import ModelUnavailable, read_model_folder
from generation.storyboard import MAX_SHOTS

# Release dates, for /v1/models' `created` (OpenAI's list shape); a local folder uses its mtime.
CREATED = {"local": 1767225600, "openai": 1759276800, "veo": 1747699200}


class ProviderRetired(APIException):
    """The configured vendor no longer serves this model (nothing is charged)."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "provider_retired"


@dataclass(frozen=True)
class Capabilities:
    sizes: tuple[str, ...] = tuple(SIZES)
    seconds_min: int = MIN_SECONDS
    seconds_max: int = MAX_SECONDS
    audio: bool = True  # the model makes the sound itself
    image_to_video: bool = False  # it can start from a reference image
    extend: bool = False
    max_shots: int = MAX_SHOTS
    image_required: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        data["sizes"] = list(self.sizes)
        data["seconds"] = {"min": data.pop("seconds_min"), "max": data.pop("seconds_max")}
        return data


@dataclass(frozen=True)
class VideoModel:
    id: str
    provider: str
    default: bool
    capabilities: Capabilities
    created: int = 0

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "provider": self.provider,
            "default": self.default,
            "capabilities": self.capabilities.as_dict(),
        }


def _diffusers_model() -> VideoModel | None:

    try:
        folder = read_model_folder(settings.DIFFUSERS_MODEL)
    except ModelUnavailable:
        return None
    family = folder.family
    capabilities = Capabilities(
        audio=family.audio,
        image_to_video=family.image_to_video,
        image_required=family.image_required,
        extend=family.image_to_video,  # conditioned on the source's last frame
    )
    created = int((folder.path / "model_index.json").stat().st_mtime)
    return VideoModel(folder.model_id, "diffusers", True, capabilities, created)


def _comfyui_model() -> VideoModel | None:

    try:
        family = workflow_family(load_workflow(settings.COMFYUI_WORKFLOW))
    except ProviderError:
        return None
    capabilities = Capabilities(
        audio=False, image_to_video=family.image_to_video, image_required=family.image_required
    )
    return VideoModel("comfyui", "comfyui", True, capabilities, CREATED["local"])


def _hosted_model(provider: str) -> VideoModel | None:

    model_id = default_model(provider)
    if retired_reason(provider, model_id):
        return None
    if provider == "openai":
        capabilities = Capabilities(seconds_max=12, image_to_video=True)
    elif provider == "veo":
        capabilities = Capabilities(seconds_max=8)
    else:  # local: a continued scene opens on the source's last frame
        capabilities = Capabilities(extend=provider == "local")
    return VideoModel(model_id, provider, True, capabilities, CREATED.get(provider, 0))


def available_models() -> list[VideoModel]:
    """The models new jobs may name: the configured provider's (none when it is unusable)."""
    provider = settings.GENERATION_PROVIDER
    if provider == "diffusers":
        model = _diffusers_model()
    elif provider == "comfyui":
        model = _comfyui_model()
    else:
        model = _hosted_model(provider)
    return [model] if model is not None else []


def resolve_model(
    model_id: str | None,
    *,
    size: str,
    seconds: int,
    shots: int = 0,
    reference_image=False,
    reference_field: str = "reference_image",
    extend: bool = False,
) -> VideoModel:
    """The model a create request asks for (or the default), checked against what it can
    serve; raises a 400 ValidationError naming the field it cannot. With `extend` the model
    must continue a clip (the clip's last frame is then its picture to start from)."""
    _refuse_retired()
    models = available_models()
    if model_id:
        model = next((m for m in models if m.id == model_id), None)
        if model is None:
            known = ", ".join(m.id for m in models) or "none"
            raise ValidationError({"model": [f"Unknown model {model_id!r}; available: {known}."]})
    else:
        model = next((m for m in models if m.default), None)
        if model is None:
            raise ValidationError({"model": ["No video model is available on this server."]})
    _check_capabilities(model, size=size, seconds=seconds, shots=shots)
    if extend and not model.capabilities.extend:
        raise ValidationError({"extend": [f"{model.id} cannot continue a clip."]})
    if not extend:
        _check_reference(model, image=reference_image, field=reference_field)
    return model


def _refuse_retired() -> None:

    provider = settings.GENERATION_PROVIDER
    reason = retired_reason(provider, default_model(provider))
    if reason:
        raise ProviderRetired(reason)


def _check_capabilities(model: VideoModel, *, size, seconds, shots) -> None:
    caps = model.capabilities
    if size not in caps.sizes:
        raise ValidationError({"size": [f"{model.id} renders {', '.join(caps.sizes)}."]})
    if not caps.seconds_min <= int(seconds) <= caps.seconds_max:
        raise ValidationError(
            {"seconds": [f"{model.id} renders {caps.seconds_min} to {caps.seconds_max} seconds."]}
        )
    if shots > caps.max_shots:
        raise ValidationError(
            {"storyboard": [f"{model.id} renders at most {caps.max_shots} shots."]}
        )


def _check_reference(model: VideoModel, *, image: bool, field: str) -> None:
    caps = model.capabilities
    if image and not caps.image_to_video:
        raise ValidationError({field: [f"{model.id} cannot start from a reference image."]})
    if caps.image_required and not image:
        raise ValidationError({field: [f"{model.id} needs a {field}: it starts from a picture."]})
