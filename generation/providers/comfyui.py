"""GENERATION_PROVIDER=comfyui: a ComfyUI server (a GPU farm that already runs one) renders.

COMFYUI_WORKFLOW is an API-format workflow ("Save (API)" in ComfyUI) whose inputs may hold
the placeholders {{prompt}}, {{negative_prompt}}, {{seed}}, {{width}}, {{height}}, {{frames}},
{{fps}} and {{image}}. Each storyboard shot is one queued prompt (`POST /prompt`); the worker
polls `GET /history/{prompt_id}` until ComfyUI reports it done (progress per shot), and takes
the first video (or image sequence) output from `GET /view`. A workflow with {{image}} starts
every shot from an uploaded picture (`POST /upload/image`): the job's reference image first,
then the previous shot's last frame. The shots are joined like the diffusers provider's.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
import uuid
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

from generation.providers.assembly import NEGATIVE_PROMPT, ShotRender, shot_prompt, write_shots
from generation.providers.base import JobSpec, ProviderError, ProviderTimeout
from generation.providers.families import Family, render_geometry
from generation.providers.local import LocalProvider

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
VIDEO_SUFFIXES = (".mp4", ".webm", ".mov", ".mkv", ".gif", ".webp")


def load_workflow(path: str | None) -> dict:
    """The API-format workflow from COMFYUI_WORKFLOW; a readable error naming the setting."""
    try:
        workflow = json.loads(Path(path or "").read_text())
    except (OSError, ValueError) as exc:
        raise ProviderError(
            "comfyui_workflow", f"COMFYUI_WORKFLOW={path} is not a readable workflow: {exc}"
        ) from None
    if not isinstance(workflow, dict) or not all(
        isinstance(node, dict) and "class_type" in node for node in workflow.values()
    ):
        raise ProviderError(
            "comfyui_workflow", f"COMFYUI_WORKFLOW={path} is not an API-format workflow."
        )
    return workflow


def workflow_family(workflow: dict) -> Family:
    """The size and frame rules the workflow renders with (Wan's and Hunyuan's 4k+1 frames,
    sides in multiples of 16) and whether it starts from an image."""
    takes_image = "{{image}}" in json.dumps(workflow)
    return Family(
        "comfyui", 16, 4, int(settings.COMFYUI_FPS), audio=False,
        image_to_video=takes_image, image_required=takes_image, text_class="", image_class="",
    )  # fmt: skip


def fill_workflow(node, values: dict):
    """The workflow with its placeholders replaced: an input that is exactly one placeholder
    takes the value itself (numbers stay numbers), one inside a longer text its string."""
    if isinstance(node, dict):
        return {key: fill_workflow(value, values) for key, value in node.items()}
    if isinstance(node, list):
        return [fill_workflow(value, values) for value in node]
    if not isinstance(node, str):
        return node
    whole = PLACEHOLDER.fullmatch(node)
    if whole and whole.group(1) in values:
        return values[whole.group(1)]
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), node)


class ComfyUIClient:
    """ComfyUI's HTTP API, with the standard library (no SDK to install)."""

    def __init__(self, base_url: str, timeout: float):
        if not str(base_url).startswith(("http://", "https://")):
            raise ProviderError("comfyui_unreachable", f"COMFYUI_URL={base_url} is not http(s).")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.client_id = str(uuid.uuid4())

    def _call(self, method: str, path: str, body: bytes | None = None, headers=None) -> bytes:
        url = self.base_url + path  # http(s) only, checked above
        request = Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
        try:
            with urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                return response.read()
        except HTTPError as exc:
            detail = exc.read()[:500].decode("utf-8", "replace")
            raise ProviderError("comfyui_error", f"ComfyUI refused {path}: {detail}") from None
        except (URLError, TimeoutError, OSError) as exc:
            raise ProviderError("comfyui_unreachable", f"ComfyUI did not answer: {exc}") from None

    def _json(self, method: str, path: str, payload=None):
        body = None if payload is None else json.dumps(payload).encode()
        data = self._call(method, path, body, {"Content-Type": "application/json"})
        return json.loads(data or b"{}")

    def queue(self, workflow: dict) -> str:
        answer = self._json("POST", "/prompt", {"prompt": workflow, "client_id": self.client_id})
        if answer.get("node_errors"):
            raise ProviderError("comfyui_error", f"ComfyUI rejected the workflow: {answer}")
        return str(answer["prompt_id"])

    def history(self, prompt_id: str) -> dict | None:
        return self._json("GET", f"/history/{prompt_id}").get(prompt_id)

    def view(self, item: dict) -> bytes:
        query = urlencode(
            {k: item.get(k, "") for k in ("filename", "subfolder", "type")}, doseq=False
        )
        return self._call("GET", f"/view?{query}")

    def upload_image(self, png: bytes, name: str) -> str:
        boundary = uuid.uuid4().hex
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{name}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        )
        tail = (
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="overwrite"\r\n\r\n'
            f"true\r\n--{boundary}--\r\n"
        )
        body = head.encode() + png + tail.encode()
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        answer = json.loads(self._call("POST", "/upload/image", body, headers))
        return "/".join(part for part in (answer.get("subfolder"), answer["name"]) if part)

    def interrupt(self) -> None:
        self._json("POST", "/interrupt", {})


def wait_for_outputs(client: ComfyUIClient, prompt_id: str, number: int, deadline: float):
    """Poll the history until the prompt finished; its outputs, or a readable error."""
    interval = float(settings.GENERATION_POLL_INTERVAL_SECONDS)
    while True:
        entry = client.history(prompt_id)
        status = (entry or {}).get("status") or {}
        if status.get("status_str") == "error":
            raise ProviderError(
                "comfyui_error", f"ComfyUI failed on shot {number}: {_error(status)}"
            )
        if entry and (status.get("completed") or entry.get("outputs")) and entry.get("outputs"):
            return entry["outputs"]
        if time.monotonic() >= deadline:
            client.interrupt()
            raise ProviderTimeout("provider_timeout", "ComfyUI did not finish the shot in time.")
        time.sleep(interval)


def _error(status: dict) -> str:
    for kind, data in status.get("messages") or []:
        if kind == "execution_error" and isinstance(data, dict):
            node = data.get("node_type", "a node")
            return f"{node}: {data.get('exception_message', 'error')}".strip()
    return "the workflow stopped with an error"


def first_output(outputs: dict) -> list[dict]:
    """The first video file among the outputs, else the first node's image sequence."""
    for node in outputs.values():
        for key in ("videos", "gifs", "images"):
            for item in node.get(key) or []:
                if str(item.get("filename", "")).lower().endswith(VIDEO_SUFFIXES):
                    return [item]
    for node in outputs.values():
        if node.get("images"):
            return list(node["images"])
    raise ProviderError("comfyui_no_output", "The ComfyUI workflow produced no video or images.")


def decode_video(data: bytes, workdir: Path, fallback_fps: float) -> ShotRender:
    """A downloaded clip as frames in [0, 1] (and its sound, if it has any)."""
    import av
    import numpy as np

    path = workdir / f"{uuid.uuid4().hex}.bin"
    path.write_bytes(data)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or fallback_fps)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    with av.open(str(path)) as container:
        audio, rate = _decoded_audio(container)
    if not frames:
        raise ProviderError("comfyui_no_output", "The ComfyUI output has no video frames.")
    pixels = np.stack(frames).astype(np.float32) / 255.0
    return ShotRender(frames=pixels, fps=fps, audio=audio, audio_rate=rate)


def _decoded_audio(container):
    import numpy as np

    if not container.streams.audio:
        return None, 0
    stream = container.streams.audio[0]
    chunks = [
        frame.to_ndarray().reshape(frame.layout.nb_channels, -1)
        for frame in container.decode(audio=0)
        if frame.format.is_planar
    ]
    if not chunks:
        return None, 0
    return np.concatenate(chunks, axis=1).astype(np.float32), int(stream.rate)


def decode_images(images: list[bytes], fps: float) -> ShotRender:
    import io

    import numpy as np
    from PIL import Image

    frames = []
    for data in images:
        with Image.open(io.BytesIO(data)) as image:
            frames.append(np.asarray(image.convert("RGB"), np.float32) / 255.0)
    return ShotRender(frames=np.stack(frames), fps=fps)


def _png(render: ShotRender | None, reference, width: int, height: int) -> bytes:
    """The picture the next shot starts from: the reference first, then the last frame."""
    import io

    import numpy as np
    from PIL import Image, ImageOps

    if render is None:
        with Image.open(reference) as source:
            picture = ImageOps.fit(source.convert("RGB"), (width, height))
    else:
        last = np.clip(np.asarray(render.frames[-1]) * 255 + 0.5, 0, 255).astype(np.uint8)
        picture = Image.fromarray(last)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


class ComfyUIProvider(LocalProvider):
    """Renders shot by shot on a ComfyUI server; poll/download/cancel are the local ones (the
    joined clip is written on this worker)."""

    name = "comfyui"
    # ComfyUI hands back a file: it goes through the decode -> watermark -> encode path.
    yields_frames = False

    def submit(self, spec: JobSpec) -> str:
        return self.write_render(
            f"{self.name}-{spec.job_id}", lambda partial: self.render(spec, partial)
        )

    def render(self, spec: JobSpec, out_path: Path) -> None:
        workflow = load_workflow(settings.COMFYUI_WORKFLOW)
        family = workflow_family(workflow)
        client = ComfyUIClient(
            settings.COMFYUI_URL, float(settings.GENERATION_PROVIDER_HTTP_TIMEOUT)
        )
        width, height = render_geometry(family, settings.COMFYUI_RENDER_SIZE, spec.size)
        if family.image_required and not spec.reference_image:
            raise ProviderError(
                "reference_image_required", "This workflow needs a reference_image to start from."
            )
        deadline = time.monotonic() + float(settings.GENERATION_PROVIDER_TIMEOUT_SECONDS)
        renders: list[ShotRender] = []
        with tempfile.TemporaryDirectory(prefix="comfyui-") as workdir:
            for number, shot in enumerate(spec.shots):
                values = {
                    "prompt": shot_prompt(shot),
                    "negative_prompt": NEGATIVE_PROMPT,
                    "seed": spec.seed * 1000 + number,
                    "width": width,
                    "height": height,
                    "frames": family.frames_for(float(shot["seconds"]), family.fps),
                    "fps": family.fps,
                }
                if family.image_to_video:
                    png = _png(
                        renders[-1] if renders else None, spec.reference_image, width, height
                    )
                    values["image"] = client.upload_image(
                        png, f"cutaway-{spec.job_id}-{number}.png"
                    )
                prompt_id = client.queue(fill_workflow(workflow, values))
                outputs = wait_for_outputs(client, prompt_id, number + 1, deadline)
                renders.append(self._fetch(client, outputs, Path(workdir), family.fps))
                if spec.progress is not None:
                    spec.progress(0.95 * (number + 1) / len(spec.shots))
        write_shots(spec.shots, renders, seed=spec.seed, path=out_path)

    @staticmethod
    def _fetch(client: ComfyUIClient, outputs: dict, workdir: Path, fps: float) -> ShotRender:
        items = first_output(outputs)
        if len(items) == 1 and items[0]["filename"].lower().endswith(VIDEO_SUFFIXES):
            return decode_video(client.view(items[0]), workdir, fps)
        return decode_images([client.view(item) for item in items], fps)
