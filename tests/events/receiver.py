"""A loopback webhook receiver: a real HTTP server in a thread that verifies each delivery
with the Standard Webhooks library (`Webhook(secret).verify`), as a customer's server would.

`plan` scripts its answers, one per request (then 200): an int status; ("sleep", s) answers
200 after s seconds; ("drip", s) sends headers then a byte every s seconds, forever;
("huge", n) answers 200 with n bytes; ("redirect", url) answers 302 to url; ("hold",
threading.Event) keeps the request open until the event is set (a worker killed meanwhile).
"""

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    headers: dict
    body: bytes
    verified: bool
    answered: int | None = None  # the status written back, None if the write failed

    @property
    def payload(self) -> dict:
        return json.loads(self.body)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    secret: str | None = None
    plan: list = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/hooks?src=test"

    def accepted(self) -> list[Received]:
        """Deliveries that verified and were answered 2xx: what the customer processed."""
        return [r for r in self.received if r.verified and r.answered and r.answered < 300]

    def wait(self, count: int, timeout: float = 20) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.accepted()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.accepted()


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            verified = False
            if receiver.secret:
                with contextlib.suppress(WebhookVerificationError, ValueError):
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
            record = Received(headers, body, verified)
            with receiver.lock:
                receiver.received.append(record)
                action = receiver.plan.pop(0) if receiver.plan else 200
            if not verified:
                action = 400
            try:
                record.answered = self._act(action)
            except OSError:
                record.answered = None

        def _act(self, action):
            if isinstance(action, int):
                return self._answer(action, b'{"ok": true}')
            kind, arg = action
            if kind == "sleep":
                time.sleep(arg)
                return self._answer(200, b"late")
            if kind == "hold":
                arg.wait(60)
                return self._answer(200, b"released")
            if kind == "huge":
                return self._answer(200, b"x" * arg)
            if kind == "redirect":
                self.send_response(302)
                self.send_header("Location", arg)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return 302
            if kind == "drip":
                self.send_response(200)
                self.send_header("Content-Length", str(10**9))
                self.end_headers()
                for _ in range(600):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(arg)
                return 200
            raise ValueError(kind)

        def _answer(self, status: int, body: bytes) -> int:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return status

    return Handler


@contextlib.contextmanager
def running_receiver(host: str = "127.0.0.1"):
    receiver = Receiver(host=host)
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
