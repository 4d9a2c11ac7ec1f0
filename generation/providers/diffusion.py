"""GENERATION_PROVIDER=diffusers: open-weights video models (LTX-2, Wan 2.x) on this worker.

The pipeline is loaded once per worker process from DIFFUSERS_MODEL (a `save_pretrained`
folder; `DiffusionPipeline.from_pretrained` picks the class from its model_index.json) and kept
warm. A storyboard is rendered one model call per shot at DIFFUSERS_RENDER_SIZE (rounded to the
family's rules, see families.py); where the family takes an image, each shot after the first
starts from the previous shot's last frame (the first from the job's reference image, if any).
The shots are then joined and re-timed by assembly: through the pipeline (JobSpec.frame_sink)
the frames go to post-processing in memory at the job's size (assembly.shot_stream: one
encode per rendition); without a sink, assembly.write_shots writes an MP4 at the model's size.

Rendering is synchronous like the local renderer's (this class reuses its render folder, so
the stale sweep removes what a killed GPU worker half-wrote). torch and diffusers are imported
here only, so web boxes never need them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from generation.providers.assembly import (
    NEGATIVE_PROMPT,
    ShotRender,
    shot_prompt,
    shot_stream,
    write_shots,
)
from generation.providers.base import JobSpec, ProviderError
from generation.providers.families import (
    ModelFolder,
    ModelUnavailable,
    read_model_folder,
    render_geometry,
)
from generation.providers.local import LocalProvider

logger = logging.getLogger(__name__)
RENDER_SHARE = 0.95  # of the provider's progress; the rest is joining and encoding


@dataclass
class LoadedModel:
    folder: ModelFolder
    pipeline: object
    device: str
    variants: dict = field(default_factory=dict)  # class name -> pipeline sharing components


_WARM: dict[tuple, LoadedModel] = {}


def _device() -> str:
    import torch

    wanted = str(settings.DIFFUSERS_DEVICE or "auto").lower()
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def _dtype(device: str):
    import torch

    wanted = str(settings.DIFFUSERS_DTYPE or "auto").lower()
    if wanted == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    dtype = getattr(torch, wanted, None)
    if not isinstance(dtype, torch.dtype):
        raise ModelUnavailable(f"DIFFUSERS_DTYPE={wanted} is not a torch dtype.")
    return dtype


def load_model() -> LoadedModel:
    """The warm pipeline for the current settings, loading it the first time (per process)."""
    folder = read_model_folder(settings.DIFFUSERS_MODEL)
    device = _device()
    dtype = _dtype(device)
    key = (str(folder.path.resolve()), device, str(dtype))
    if key not in _WARM:
        _WARM.clear()  # one pipeline per worker process
        _WARM[key] = LoadedModel(folder, _load_pipeline(folder, device, dtype), device)
    return _WARM[key]


def _load_pipeline(folder: ModelFolder, device: str, dtype):
    from diffusers import DiffusionPipeline

    try:
        pipeline = DiffusionPipeline.from_pretrained(
            str(folder.path), dtype=dtype, local_files_only=True
        )
    except Exception as exc:  # any unreadable or incomplete folder
        raise ModelUnavailable(
            f"DIFFUSERS_MODEL={folder.path} could not be loaded: {type(exc).__name__}: {exc}"
        ) from exc
    if settings.DIFFUSERS_CPU_OFFLOAD and device.startswith("cuda"):
        pipeline.enable_model_cpu_offload()
    else:
        pipeline.to(device)
    if settings.DIFFUSERS_VAE_TILING and hasattr(pipeline.vae, "enable_tiling"):
        pipeline.vae.enable_tiling()
    pipeline.set_progress_bar_config(disable=True)
    logger.info("loaded %s from %s on %s", folder.class_name, folder.path, device)
    return pipeline


def _variant(model: LoadedModel, class_name: str):
    """The loaded pipeline, or one of its family's other classes built on the same weights
    (LTX-2's text and image pipelines share every component)."""
    if class_name == model.folder.class_name:
        return model.pipeline
    if class_name not in model.variants:
        import diffusers

        model.variants[class_name] = getattr(diffusers, class_name).from_pipe(model.pipeline)
    return model.variants[class_name]


def _call_options() -> dict:
    """DIFFUSERS_PIPELINE_OPTIONS: extra keyword arguments for every pipeline call (a JSON
    object, e.g. {"guidance_scale": 1.0} for a distilled checkpoint)."""
    raw = settings.DIFFUSERS_PIPELINE_OPTIONS or "{}"
    try:
        options = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (ValueError, TypeError):
        options = None
    if not isinstance(options, dict):
        raise ModelUnavailable("DIFFUSERS_PIPELINE_OPTIONS must be a JSON object.")
    return options


@dataclass
class ShotPlan:
    """What one model call renders."""

    number: int
    prompt: str
    width: int
    height: int
    frames: int
    fps: float
    seed: int
    image: object = None  # PIL image to start from, or None


def _render_shot(model: LoadedModel, plan: ShotPlan, steps: int, on_step) -> ShotRender:
    """One pipeline call; its errors become readable ProviderErrors, while what the step
    callback raised (a cancelled job) is raised again as it was."""
    import torch

    family = model.folder.family
    class_name = family.image_class if plan.image is not None else family.text_class
    pipeline = _variant(model, class_name)
    kwargs = {
        "prompt": plan.prompt,
        "negative_prompt": NEGATIVE_PROMPT,
        "height": plan.height,
        "width": plan.width,
        "num_frames": plan.frames,
        "num_inference_steps": steps,
        "generator": torch.Generator("cpu").manual_seed(plan.seed),
        "output_type": "np",
        **_call_options(),
    }
    if family.name == "ltx2":
        kwargs["frame_rate"] = float(plan.fps)
    if plan.image is not None:
        kwargs["image"] = plan.image
    interrupted: list[BaseException] = []

    def step_end(pipe, step, timestep, tensors):
        try:
            on_step(step + 1, steps)
        except BaseException as exc:  # noqa: BLE001 - re-raised below, outside diffusers
            interrupted.append(exc)
            raise
        return {}

    try:
        output = pipeline(**kwargs, callback_on_step_end=step_end)
    except BaseException as exc:
        if interrupted:
            raise interrupted[0] from None
        raise _model_error(exc, plan.number) from exc
    return _shot_output(pipeline, output, plan.fps, family.audio)


def _model_error(exc: BaseException, number: int) -> BaseException:
    import torch
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded | KeyboardInterrupt | SystemExit):
        return exc
    if isinstance(exc, torch.OutOfMemoryError):
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        return ProviderError(
            "model_out_of_memory",
            f"The video model ran out of memory on shot {number}. A smaller "
            "DIFFUSERS_RENDER_SIZE, DIFFUSERS_CPU_OFFLOAD=1 or DIFFUSERS_VAE_TILING=1 may help.",
        )
    return ProviderError(
        "model_error", f"The video model failed on shot {number}: {type(exc).__name__}: {exc}"
    )


def _shot_output(pipeline, output, fps: float, audio: bool) -> ShotRender:
    frames = output.frames[0]
    if not audio or getattr(output, "audio", None) is None:
        return ShotRender(frames=frames, fps=fps)
    samples = output.audio[0].float().cpu().numpy()
    rate = int(pipeline.vocoder.config.output_sampling_rate)
    return ShotRender(frames=frames, fps=fps, audio=samples, audio_rate=rate)


def _last_frame(render: ShotRender):
    """The shot's last frame as a PIL image: where the next shot starts (continuity)."""
    import numpy as np
    from PIL import Image

    pixels = np.clip(np.asarray(render.frames[-1]) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def _reference(spec: JobSpec, width: int, height: int):
    """The job's reference picture (or the last frame of the clip it extends) cropped to the
    render aspect, or None."""
    picture = spec.continue_from or spec.reference_image
    if not picture:
        return None
    from PIL import Image, ImageOps

    with Image.open(picture) as image:
        return ImageOps.fit(image.convert("RGB"), (width, height))


def render_storyboard(spec: JobSpec, out_path: Path | None) -> None:
    """Every shot through the model, then the joined clip of the spec's length: handed to
    spec.frame_sink at the job's size when it is set, else one MP4 at the model's size."""
    model = load_model()
    folder, family = model.folder, model.folder.family
    width, height = render_geometry(family, settings.DIFFUSERS_RENDER_SIZE, spec.size)
    fps = float(settings.DIFFUSERS_FPS or folder.fps)
    steps = max(1, int(settings.DIFFUSERS_STEPS))
    image = _reference(spec, width, height)
    if family.image_required and image is None:
        raise ProviderError(
            "reference_image_required", "This model needs a reference_image to start from."
        )
    renders: list[ShotRender] = []
    count = len(spec.shots)
    for number, shot in enumerate(spec.shots):

        def on_step(step, total, number=number):
            if spec.progress is not None:
                spec.progress(RENDER_SHARE * (number + step / total) / count)

        plan = ShotPlan(
            number=number + 1,
            prompt=shot_prompt(shot),
            width=width,
            height=height,
            frames=family.frames_for(float(shot["seconds"]), fps),
            fps=fps,
            seed=spec.seed * 1000 + number,
            image=image if family.image_to_video else None,
        )
        render = _render_shot(model, plan, steps, on_step)
        renders.append(render)
        image = _last_frame(render)
    if spec.frame_sink is not None:
        job_w, job_h = (int(side) // 4 * 4 for side in spec.size.split("x"))
        spec.frame_sink(shot_stream(spec.shots, renders, seed=spec.seed, width=job_w, height=job_h))
    else:
        write_shots(spec.shots, renders, seed=spec.seed, path=out_path)
    if spec.progress is not None:
        spec.progress(1.0)


class DiffusersProvider(LocalProvider):
    """Renders on this worker's GPU (or CPU); poll/download/cancel are the local renderer's."""

    name = "diffusers"
    yields_frames = True

    def submit(self, spec: JobSpec) -> str:
        try:
            if spec.frame_sink is not None:
                render_storyboard(spec, None)
                return f"{self.name}-{spec.job_id}"
            return self.write_render(
                f"{self.name}-{spec.job_id}", lambda partial: render_storyboard(spec, partial)
            )
        except ModelUnavailable as exc:
            raise ProviderError("model_unavailable", str(exc)) from exc
