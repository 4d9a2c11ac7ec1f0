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
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/hooks?src=test"

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


def self_signed_context(tmp_path, host: str = "localhost"):
    """A server TLS context with a fresh self-signed certificate for `host` (trusted by no
    one: a client that verifies certificates must refuse it)."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


@contextlib.contextmanager
def running_receiver(host: str = "127.0.0.1", tls=None):
    """A receiver on `host`; `tls` (an SSLContext) makes it an https one."""
    receiver = Receiver(host=host)
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        receiver.scheme = "https"
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
