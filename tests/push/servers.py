"""Loopback servers that speak the push services' HTTP APIs, for the push tests and bench.

- `WebPushService`: an RFC 8030 push service (HTTP/1.1): records each POST with its headers
  and encrypted body, answers 201, or the status set for that path (404/410: gone).
- `ApnsServer`: APNs' provider API over HTTP/2 with TLS (h2 + ssl, certificate from a CA made
  here): `POST /3/device/<token>`, answers 200 with `apns-id`, or a status + `{"reason"}`.
- `FcmServer`: Google's OAuth token endpoint (the service account's JWT-bearer grant) and
  FCM HTTP v1 `POST /v1/projects/<id>/messages:send`, with FCM's error bodies.
Each records what it received, so the tests check what went over the wire.
"""

import datetime
import ipaddress
import json
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import h2.config
import h2.connection
import h2.events
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


class _HTTPServer:
    """A ThreadingHTTPServer on a free loopback port, its handler calling `self.answer`."""

    def __init__(self):
        outer = self
        self.received: list[Received] = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    "POST",
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                with outer.lock:
                    outer.received.append(request)
                status, headers, body = outer.answer(request)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout): nothing to answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, request: Received) -> tuple[int, dict, bytes]:
        raise NotImplementedError

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class WebPushService(_HTTPServer):
    def __init__(self):
        super().__init__()
        self.statuses: dict[str, int] = {}
        self.redirects: dict[str, str] = {}  # path -> Location of a 307
        self.delays: dict[str, float] = {}  # path -> seconds to wait before answering

    def endpoint(self, name: str | None = None, *, status: int | None = None) -> str:
        path = f"/push/{name or secrets.token_urlsafe(12)}"
        if status is not None:
            self.statuses[path] = status
        return self.base + path

    def answer(self, request):
        if request.path in self.delays:
            time.sleep(self.delays[request.path])
        if request.path in self.redirects:
            return 307, {"Location": self.redirects[request.path]}, b""
        status = self.statuses.get(request.path, 201)
        headers = {} if status >= 300 else {"Location": f"{self.base}/message/1"}
        return status, headers, b""


def _ca_and_leaf(directory: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """A throwaway CA and a leaf certificate for `names` (DNS names or IPs) signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cutaway test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    alt_names = []
    for name in names:
        try:
            alt_names.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt_names.append(x509.DNSName(name))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "leaf.pem", directory / "leaf-key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@dataclass
class ApnsRequest:
    headers: dict
    payload: dict


@dataclass
class ApnsServer:
    """APNs over HTTP/2 + TLS on 127.0.0.1; `answers[token] = (status, reason)`."""

    directory: Path
    answers: dict = field(default_factory=dict)
    received: list = field(default_factory=list)

    def __post_init__(self):
        self.ca_file, cert, key = _ca_and_leaf(self.directory, ["127.0.0.1", "localhost"])
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.context.set_alpn_protocols(["h2"])
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            tls = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        conn.initiate_connection()
        tls.sendall(conn.data_to_send())
        streams: dict[int, list] = {}
        try:
            while True:
                data = tls.recv(65535)
                if not data:
                    return
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = [dict(event.headers), b""]
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id][1] += event.data
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = streams.pop(event.stream_id)
                        self._respond(conn, event.stream_id, headers, body)
                tls.sendall(conn.data_to_send())
        except (OSError, ssl.SSLError):
            return
        finally:
            tls.close()

    def _respond(self, conn, stream_id, headers, body):
        with self.lock:
            self.received.append(ApnsRequest(headers, json.loads(body)))
        token = headers[":path"].rsplit("/", 1)[-1]
        status, reason = self.answers.get(token, (200, None))
        reply = [(":status", str(status)), ("apns-id", headers.get("apns-id", ""))]
        if reason is None:
            conn.send_headers(stream_id, reply, end_stream=True)
        else:
            conn.send_headers(stream_id, reply)
            conn.send_data(stream_id, json.dumps({"reason": reason}).encode(), end_stream=True)

    def close(self):
        self.closed = True
        self.sock.close()


class FcmServer(_HTTPServer):
    """OAuth token endpoint (`/token`) + FCM v1 (`/v1/projects/<id>/messages:send`).

    `answers[token] = (status, fcm error code)`; every access token it issued is remembered,
    so a send with any other bearer token is a 401 (as FCM's would be)."""

    def __init__(self):
        super().__init__()
        self.answers: dict[str, tuple[int, str]] = {}
        self.issued: set[str] = set()
        self.assertions: list[str] = []

    def answer(self, request):
        if request.path == "/token":
            form = urllib.parse.parse_qs(request.body.decode())
            assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
            self.assertions.append(form["assertion"][0])
            token = "ya29." + secrets.token_urlsafe(16)
            self.issued.add(token)
            body = {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}
            return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if bearer not in self.issued:
            return self._error(401, "UNAUTHENTICATED", None)
        message = json.loads(request.body)["message"]
        status, code = self.answers.get(message.get("token"), (200, None))
        if status == 200:
            project = request.path.split("/")[3]
            name = {"name": f"projects/{project}/messages/{secrets.token_hex(8)}"}
            return 200, {"Content-Type": "application/json"}, json.dumps(name).encode()
        grpc_status = {400: "INVALID_ARGUMENT", 404: "NOT_FOUND"}.get(status, "INTERNAL")
        return self._error(status, grpc_status, code)

    @staticmethod
    def _error(status, grpc_status, fcm_code):
        error = {"code": status, "message": "Requested entity was not found."}
        error["status"] = grpc_status
        if fcm_code:
            fcm_error = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
            error["details"] = [{"@type": fcm_error, "errorCode": fcm_code}]
        return status, {"Content-Type": "application/json"}, json.dumps({"error": error}).encode()
