"""What the HTTP benchmarks share: a keep-alive client, percentiles, a free loopback port."""

import http.client
import json
import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, q):
    """Nearest-rank percentile (NaN for no values)."""
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[k]


class Client:
    """One keep-alive HTTP connection to 127.0.0.1 (one per thread)."""

    def __init__(self, port, *, timeout=60):
        self.port = port
        self.timeout = timeout
        self.conn = self._connect()

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def send(self, method, path, token, body=None, headers=None):
        """(seconds, status, body bytes); a broken connection is status 0 and is reopened."""
        headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
            body = json.dumps(body)
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError) as exc:
            self.conn.close()
            self.conn = self._connect()
            return time.perf_counter() - started, 0, repr(exc).encode()
        return time.perf_counter() - started, response.status, data

    def request(self, method, path, token, body=None):
        """(seconds, parsed JSON); any failure raises, for benchmarks that must not err."""
        elapsed, status, data = self.send(method, path, token, body)
        if status == 0:
            raise ConnectionError(f"{method} {path}: {data.decode()}")
        if status >= 400:
            raise RuntimeError(f"{method} {path} -> {status}: {data[:300]!r}")
        return elapsed, (json.loads(data) if data else None)
