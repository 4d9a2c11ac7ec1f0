"""Loopback HTTP servers that speak the hosted video APIs' documented shapes.

`FakeOpenAIVideos` answers the Videos API the `openai` SDK calls (POST /v1/videos as multipart,
GET /v1/videos/{id}, GET /v1/videos/{id}/content, DELETE /v1/videos/{id}).
`FakeVeo` answers google-genai's Vertex calls (POST …/models/{model}:predictLongRunning,
POST …/models/{model}:fetchPredictOperation).

What a job does is chosen by a word in its prompt:
  "refuse"  → the create call is refused by moderation (OpenAI: 400 moderation_blocked;
              Veo: the operation finishes with every video filtered out);
  "fail"    → the job goes in_progress, then failed with an error;
  "forever" → the job never finishes (the pipeline's provider timeout);
  "hang"    → the create call does not answer before the client's HTTP timeout;
  otherwise → queued → in_progress (50%) → completed, then the MP4 is served.
Every request is recorded in `requests` so tests can check what the SDK sent.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VEO_RESPONSE_TYPE = "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse"


def _scenario(prompt: str) -> str:
    for word in ("refuse", "fail", "forever", "hang"):
        if word in (prompt or "").lower():
            return word
    return "ok"


def parse_multipart(content_type: str, body: bytes) -> dict:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        fields[name] = (
            part.get_content() if part.get_filename() is None else part.get_payload(decode=True)
        )
    return fields


class _QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that gave up (the timeout scenarios) closes the socket: not an error here.
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class _Server:
    def __init__(self, video_bytes: bytes, hang_seconds: float = 3.0):
        self.video_bytes = video_bytes
        self.hang_seconds = hang_seconds
        self.jobs: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, payload=None, *, raw=None, content_type=None, headers=()):
                data = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type or "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers:
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _dispatch(self, method):
                body = self._body()
                with outer.lock:
                    outer.requests.append(
                        {
                            "method": method,
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                        }
                    )
                outer.handle(self, method, body)

            def do_GET(self):
                self._dispatch("GET")

            def do_POST(self):
                self._dispatch("POST")

            def do_DELETE(self):
                self._dispatch("DELETE")

        self.httpd = _QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    def _advance(self, job: dict) -> dict:
        """Each poll moves a job one step along its scenario."""
        job["polls"] += 1
        scenario, polls = job["scenario"], job["polls"]
        if scenario == "forever":
            job.update(status="in_progress", progress=10)
        elif polls == 1:
            job.update(status="in_progress", progress=50)
        elif scenario == "fail":
            job.update(status="failed", progress=50)
        else:
            job.update(status="completed", progress=100)
        return job


class FakeOpenAIVideos(_Server):
    def handle(self, h, method, body):
        path = h.path.split("?")[0]
        if not h.headers.get("Authorization", "").startswith("Bearer "):
            return h._send(401, {"error": {"message": "No API key", "code": "invalid_api_key"}})
        if method == "POST" and path == "/v1/videos":
            fields = parse_multipart(h.headers["Content-Type"], body)
            scenario = _scenario(fields.get("prompt", ""))
            if scenario == "hang":
                time.sleep(self.hang_seconds)
            if scenario == "refuse":
                return h._send(
                    400,
                    {
                        "error": {
                            "message": "Your request was blocked by our moderation system.",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": "moderation_blocked",
                        }
                    },
                )
            video_id = f"video_{uuid.uuid4().hex}"
            job = {
                "id": video_id,
                "object": "video",
                "model": fields.get("model", "sora-2"),
                "status": "queued",
                "progress": 0,
                "created_at": int(time.time()),
                "seconds": fields.get("seconds", "4"),
                "size": fields.get("size", "720x1280"),
                "prompt": fields.get("prompt"),
                "scenario": scenario,
                "polls": 0,
            }
            self.jobs[video_id] = job
            return h._send(200, self._public(job))
        parts = path.strip("/").split("/")  # v1, videos, id[, content]
        if len(parts) < 3 or parts[:2] != ["v1", "videos"] or parts[2] not in self.jobs:
            return h._send(404, {"error": {"message": "Video not found", "code": "not_found"}})
        job = self.jobs[parts[2]]
        if method == "GET" and len(parts) == 3:
            return h._send(200, self._public(self._advance(job)))
        if method == "GET" and parts[3:] == ["content"]:
            if job["status"] != "completed":
                return h._send(400, {"error": {"message": "Video is not ready", "code": None}})
            return h._send(200, raw=self.video_bytes, content_type="video/mp4")
        if method == "DELETE" and len(parts) == 3:
            del self.jobs[parts[2]]
            return h._send(200, {"id": parts[2], "object": "video.deleted", "deleted": True})
        return h._send(404, {"error": {"message": "Unknown route", "code": "not_found"}})

    @staticmethod
    def _public(job: dict) -> dict:
        public = {k: v for k, v in job.items() if k not in ("scenario", "polls")}
        public["error"] = None
        if job["status"] == "failed":
            public["error"] = {"code": "internal_error", "message": "The render crashed upstream."}
        if job["status"] == "completed":
            public["completed_at"] = int(time.time())
        return public


class FakeVeo(_Server):
    def handle(self, h, method, body):
        path = h.path.split("?")[0]
        if method != "POST" or not h.headers.get("x-goog-api-key"):
            return h._send(
                404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}}
            )
        payload = json.loads(body or b"{}")
        if path.endswith(":predictLongRunning"):
            model_path = path.split("/v1beta1/", 1)[-1].rsplit(":", 1)[0]
            prompt = payload["instances"][0].get("prompt", "")
            scenario = _scenario(prompt)
            if scenario == "hang":
                time.sleep(self.hang_seconds)
            name = f"{model_path}/operations/{uuid.uuid4()}"
            self.jobs[name] = {
                "name": name,
                "scenario": scenario,
                "polls": 0,
                "status": "queued",
                "parameters": payload.get("parameters", {}),
            }
            return h._send(200, {"name": name})
        if path.endswith(":fetchPredictOperation"):
            job = self.jobs.get(payload.get("operationName"))
            if job is None:
                return h._send(
                    404,
                    {
                        "error": {
                            "code": 404,
                            "message": "Operation not found",
                            "status": "NOT_FOUND",
                        }
                    },
                )
            self._advance(job)
            result = {"name": job["name"]}
            if job["scenario"] == "refuse" and job["status"] == "completed":
                result.update(
                    done=True,
                    response={
                        "@type": VEO_RESPONSE_TYPE,
                        "raiMediaFilteredCount": 1,
                        "raiMediaFilteredReasons": ["The prompt violates the usage guidelines."],
                    },
                )
            elif job["status"] == "completed":
                result.update(
                    done=True,
                    response={
                        "@type": VEO_RESPONSE_TYPE,
                        "videos": [
                            {
                                "bytesBase64Encoded": base64.b64encode(self.video_bytes).decode(),
                                "mimeType": "video/mp4",
                            }
                        ],
                    },
                )
            elif job["status"] == "failed":
                result.update(
                    done=True, error={"code": 13, "message": "Video generation failed upstream."}
                )
            else:
                result.update(metadata={"progressPercent": job["progress"]})
            return h._send(200, result)
        return h._send(404, {"error": {"code": 404, "message": "Not found", "status": "NOT_FOUND"}})
