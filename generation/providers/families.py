"""What Cutaway knows about the open-weights pipeline families, as data (no torch here).

The diffusers provider renders with one of these; the models endpoint and the create-time
checks read the same table, so a web box can say what a GPU worker can do without importing
torch. Frame and size rules were checked against diffusers 0.42.1 (shared/NOTES.md): LTX-2 wants
8k+1 frames and sides in multiples of 32, Wan 4k+1 frames and multiples of 16.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path


class ModelUnavailable(Exception):
    """DIFFUSERS_MODEL is missing, unreadable or holds a pipeline no family supports."""


@dataclass(frozen=True)
class Family:
    name: str
    multiple: int  # height and width must be multiples of this
    frame_step: int  # num_frames = frame_step * k + 1
    fps: int  # the model's own frame rate (DIFFUSERS_FPS overrides it)
    audio: bool  # the model makes its own sound track
    image_to_video: bool  # the pipeline can be conditioned on an image
    image_required: bool  # ... and cannot render without one
    text_class: str  # the class to render a shot without an image (from_pipe)
    image_class: str  # the class to render a shot from an image ("" = none)

    def frames_for(self, seconds: float, fps: float) -> int:
        """The smallest frame count the model accepts that lasts at least `seconds`."""
        wanted = max(2, math.ceil(seconds * fps - 1e-6))
        return self.frame_step * math.ceil((wanted - 1) / self.frame_step) + 1

    def round_side(self, side: int) -> int:
        return max(self.multiple, side // self.multiple * self.multiple)


_LTX2 = {"multiple": 32, "frame_step": 8, "fps": 24, "audio": True, "image_to_video": True}
FAMILIES: dict[str, Family] = {
    "LTX2Pipeline": Family(
        "ltx2", **_LTX2, image_required=False,
        text_class="LTX2Pipeline", image_class="LTX2ImageToVideoPipeline",
    ),
    "LTX2ImageToVideoPipeline": Family(
        "ltx2", **_LTX2, image_required=False,
        text_class="LTX2Pipeline", image_class="LTX2ImageToVideoPipeline",
    ),
    # Text-to-video Wan (2.1 and 2.2): its transformer takes no image channels.
    "WanPipeline": Family(
        "wan", 16, 4, 16, audio=False, image_to_video=False, image_required=False,
        text_class="WanPipeline", image_class="",
    ),
    # Image-to-video Wan: 36 input channels, so every shot needs an image.
    "WanImageToVideoPipeline": Family(
        "wan", 16, 4, 16, audio=False, image_to_video=True, image_required=True,
        text_class="", image_class="WanImageToVideoPipeline",
    ),
}  # fmt: skip
WAN22_FPS = 24


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    class_name: str
    family: Family
    fps: int  # the family's default, or Wan 2.2's 24

    @property
    def model_id(self) -> str:
        return f"{self.family.name}:{self.path.name}"[:40]


def read_model_folder(folder: str | Path | None) -> ModelFolder:
    """The folder's pipeline class and family, from its model_index.json; ModelUnavailable
    (naming the setting) when it is not a pipeline Cutaway can run."""
    if not folder:
        raise ModelUnavailable("DIFFUSERS_MODEL is not set: point it at a save_pretrained folder.")
    path = Path(folder)
    try:
        index = json.loads((path / "model_index.json").read_text())
        class_name = str(index["_class_name"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelUnavailable(
            f"DIFFUSERS_MODEL={folder} is not a readable diffusers pipeline folder "
            f"(model_index.json: {exc})."
        ) from None
    family = FAMILIES.get(class_name)
    if family is None:
        raise ModelUnavailable(
            f"DIFFUSERS_MODEL={folder} holds a {class_name}, which Cutaway does not run; "
            f"supported: {', '.join(FAMILIES)}."
        )
    fps = family.fps
    # Wan 2.2 (A14B's two experts, or TI2V-5B's per-token timesteps) runs at 24 fps.
    if family.name == "wan" and (index.get("boundary_ratio") or index.get("expand_timesteps")):
        fps = WAN22_FPS
    return ModelFolder(path=path, class_name=class_name, family=family, fps=fps)


def render_geometry(family: Family, render_size: str, output_size: str) -> tuple[int, int]:
    """(width, height) the model renders at: DIFFUSERS_RENDER_SIZE, turned to the output's
    orientation and rounded down to the family's multiple."""
    width, height = (int(v) for v in render_size.lower().split("x"))
    out_w, out_h = (int(v) for v in output_size.split("x"))
    if (out_w > out_h) != (width > height):
        width, height = height, width
    return family.round_side(width), family.round_side(height)


def check_worker_model(provider: str, folder: str | None) -> ModelFolder | None:
    """At GPU worker start: the model folder must be usable before any job is taken, so a
    wrong DIFFUSERS_MODEL stops the worker with a message naming it (not every job later)."""
    if provider != "diffusers":
        return None
    return read_model_folder(folder)
