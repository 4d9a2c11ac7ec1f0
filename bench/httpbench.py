"""What the HTTP benchmarks share: a keep-alive client, percentiles, a free loopback port,
and starting/stopping the servers they measure."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-only-secret-key-bench-only-secret-key"


def django_env(redis_url: str, **overrides: str) -> dict:
    """The environment a benchmark's Django runs with, in process and in the servers it
    starts: the current one, production mode, Redis as cache and broker, kept connections,
    and throttles (still checked) at rates that never refuse; `overrides` last."""
    return {
        **os.environ,
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DB_CONN_MAX_AGE": "600",
        "THROTTLE_USER": "10000000/min",
        "THROTTLE_LIKES": "10000000/min",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **overrides,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(app: str, *, workers: int, env: dict, extra=(), **popen) -> tuple:
    """(process, port): `app` under the project's gunicorn on a free loopback port, in its
    own process group so stop_process_groups takes its workers down with it."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            app,
            *extra,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        **popen,
    )
    return process, port


def stop_process_groups(processes, *, timeout: float = 20) -> None:
    """SIGTERM every process group, then SIGKILL the ones still there after `timeout`."""
    for process in processes:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


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
