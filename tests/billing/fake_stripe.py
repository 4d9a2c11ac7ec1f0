"""A loopback HTTP server that speaks the part of Stripe's API billing calls, as the official
`stripe` SDK sends it: form-encoded POST bodies with bracketed keys (`metadata[pack]=…`),
`Authorization: Bearer sk_…`, an `Idempotency-Key` header (a repeated key answers the object
it first made, as Stripe does), and Stripe's JSON objects and error shape back.

Routes: POST /v1/checkout/sessions, POST /v1/refunds. Every request is kept in `requests`
(path, headers, parsed form) so tests can check what the SDK sent.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

SECRET_KEY = "sk_test_cutaway_loopback"


def unflatten(pairs: list[tuple[str, str]]) -> dict:
    """`a[b][0][c]=v` → {"a": {"b": {"0": {"c": "v"}}}} (Stripe's form encoding)."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self, *, fail_with: int | None = None):
        self.requests: list[dict] = []
        self.sessions: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}
        self.fail_with = fail_with
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:14]}")
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                form = unflatten(parse_qsl(raw, keep_blank_values=True))
                record = {"path": self.path, "headers": dict(self.headers), "form": form}
                with outer.lock:
                    outer.requests.append(record)
                if self.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                    return self._send(401, _error("invalid_request_error", "Invalid API Key."))
                if outer.fail_with:
                    return self._send(outer.fail_with, _error("api_error", "Stripe is down."))
                key = self.headers.get("Idempotency-Key", "")
                with outer.lock:
                    if key and key in outer.by_key:
                        return self._send(200, outer.by_key[key])
                    if self.path == "/v1/checkout/sessions":
                        body = outer._session(form)
                    elif self.path == "/v1/refunds":
                        body = outer._refund(form)
                    else:
                        return self._send(404, _error("invalid_request_error", "No such route."))
                    if key:
                        outer.by_key[key] = body
                return self._send(200, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _session(self, form: dict) -> dict:
        session_id = f"cs_test_{uuid.uuid4().hex}"
        item = form["line_items"]["0"]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form["mode"],
            "client_reference_id": form.get("client_reference_id"),
            "metadata": form.get("metadata", {}),
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item["quantity"]),
            "currency": item["price_data"]["currency"],
            "payment_status": "unpaid",
            "status": "open",
            "payment_intent": None,
            "success_url": form["success_url"],
            "cancel_url": form["cancel_url"],
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return session

    def _refund(self, form: dict) -> dict:
        return {
            "id": f"re_{uuid.uuid4().hex[:24]}",
            "object": "refund",
            "payment_intent": form.get("payment_intent"),
            "status": "succeeded",
        }

    def calls(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}
