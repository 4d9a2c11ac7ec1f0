"""A loopback server that speaks ComfyUI's documented HTTP shapes.

POST /prompt {"prompt": <API workflow>, "client_id"} → {"prompt_id", "number", "node_errors"};
GET /history/{id} → {} while running (the first poll), then {id: {"prompt", "outputs",
"status": {"status_str", "completed", "messages"}}}; GET /view?filename&subfolder&type → the
file; POST /upload/image (multipart `image`) → {"name", "subfolder", "type": "input"};
POST /interrupt. The "render" is a real MP4 at the workflow's width, height, length and
frame rate (read from any node's inputs), coloured by its seed; a prompt text containing
"explode" ends with an execution_error.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.generation.fake_servers import parse_multipart


def _inputs(workflow: dict) -> dict:
    merged = {}
    for node in workflow.values():
        merged.update(node.get("inputs", {}))
    return merged


def render_mp4(width: int, height: int, frames: int, fps: int, seed: int) -> bytes:
    import io

    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(frames):
            rgb = np.full((height, width, 3), (seed * 37 + index * 9) % 256, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode(None))
    return buffer.getvalue()


class FakeComfyUI:
    def __init__(self):
        self.prompts: dict[str, dict] = {}
        self.polls: dict[str, int] = {}
        self.files: dict[str, bytes] = {}
        self.uploads: list[tuple[str, bytes]] = []
        self.requests: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, kind="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self):
                outer.requests.append(("POST", self.path))
                body = self._body()
                if self.path == "/prompt":
                    return self._send(200, json.dumps(outer.queue(json.loads(body))).encode())
                if self.path == "/upload/image":
                    fields = parse_multipart(self.headers["Content-Type"], body)
                    name = f"upload-{len(outer.uploads)}.png"
                    outer.uploads.append((name, fields["image"]))
                    answer = {"name": name, "subfolder": "", "type": "input"}
                    return self._send(200, json.dumps(answer).encode())
                if self.path == "/interrupt":
                    return self._send(200, b"{}")
                return self._send(404, b"{}")

            def do_GET(self):
                outer.requests.append(("GET", self.path))
                url = urlsplit(self.path)
                if url.path.startswith("/history/"):
                    prompt_id = url.path.rsplit("/", 1)[1]
                    return self._send(200, json.dumps(outer.history(prompt_id)).encode())
                if url.path == "/view":
                    name = parse_qs(url.query).get("filename", [""])[0]
                    if name in outer.files:
                        return self._send(200, outer.files[name], "video/mp4")
                return self._send(404, b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def queue(self, payload: dict) -> dict:
        prompt_id = str(uuid.uuid4())
        with self.lock:
            self.prompts[prompt_id] = payload["prompt"]
            self.polls[prompt_id] = 0
        return {"prompt_id": prompt_id, "number": len(self.prompts), "node_errors": {}}

    def history(self, prompt_id: str) -> dict:
        with self.lock:
            self.polls[prompt_id] += 1
            if self.polls[prompt_id] == 1:
                return {}  # still running
        workflow = self.prompts[prompt_id]
        if "explode" in json.dumps(workflow):
            error = {"node_type": "KSampler", "exception_message": "CUDA out of memory"}
            status = {"status_str": "error", "completed": False,
                      "messages": [["execution_error", error]]}  # fmt: skip
            return {prompt_id: {"prompt": [], "outputs": {}, "status": status}}
        values = _inputs(workflow)
        name = f"shot_{prompt_id}.mp4"
        self.files[name] = render_mp4(
            values["width"], values["height"], values["length"], values["frame_rate"],
            values["seed"],
        )  # fmt: skip
        item = {"filename": name, "subfolder": "", "type": "output", "format": "video/h264-mp4"}
        return {
            prompt_id: {
                "prompt": [],
                "outputs": {"9": {"gifs": [item]}},
                "status": {"status_str": "success", "completed": True, "messages": []},
            }
        }

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


WORKFLOW = {
    "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": 20, "cfg": 5.0}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative_prompt}}"}},
    "5": {
        "class_type": "EmptyHunyuanLatentVideo",
        "inputs": {"width": "{{width}}", "height": "{{height}}", "length": "{{frames}}"},
    },
    "9": {
        "class_type": "VHS_VideoCombine",
        "inputs": {"frame_rate": "{{fps}}", "filename_prefix": "cutaway/{{seed}}"},
    },
}
IMAGE_NODE = {"class_type": "LoadImage", "inputs": {"image": "{{image}}"}}
