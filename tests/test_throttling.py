"""The one "writes only" scoped throttle (config/throttling.py) on every scoped view."""

import pytest
from django.urls import get_resolver
from rest_framework.throttling import SimpleRateThrottle

from config.throttling import WriteScopedRateThrottle


def _scoped_views():
    """Every DRF view class in the URL conf that declares a `throttle_scope`."""
    views, pending = set(), list(get_resolver().url_patterns)
    while pending:
        pattern = pending.pop()
        if hasattr(pattern, "url_patterns"):
            pending.extend(pattern.url_patterns)
            continue
        view = getattr(pattern.callback, "view_class", None) or getattr(
            pattern.callback, "cls", None
        )
        if view is not None and getattr(view, "throttle_scope", None):
            views.add(view)
    return views


def test_every_scoped_view_uses_the_writes_only_throttle_and_no_override():
    views = _scoped_views()
    assert len(views) >= 8
    for view in views:
        assert WriteScopedRateThrottle in view.throttle_classes, view
        assert "get_throttles" not in vars(view), view


@pytest.mark.parametrize(
    ("scope", "method", "path"),
    [
        ("auth", "options", "/api/v1/auth/token"),
        ("generation", "get", "/api/v1/generations"),
        ("generation", "get", "/v1/videos"),
        ("reports", "options", "/api/v1/reports"),
    ],
)
def test_reads_never_spend_a_scope_and_writes_do(
    scope, method, path, user, auth_client, monkeypatch
):
    rates = {**SimpleRateThrottle.THROTTLE_RATES, scope: "1/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = auth_client(user)
    for _ in range(3):
        assert getattr(client, method)(path).status_code != 429
    client.post(path, {}, format="json")
    assert client.post(path, {}, format="json").status_code == 429


# --- one Redis round trip for every scope of a request (config/throttling.py) -------------


@pytest.fixture
def make_video(make_user):
    from tests.factories import JobFactory, VideoFactory

    author = make_user("author")

    def _make_video():
        return VideoFactory(author=author, job=JobFactory(user=author, status="succeeded"))

    return _make_video


@pytest.fixture
def private_redis(settings, tmp_path):
    """A redis-server of this test's own on a free port (no other client's commands in its
    MONITOR stream), as the Django cache."""
    import shutil
    import socket
    import subprocess
    import time

    import redis

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind", "127.0.0.1"]
        + ["--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }
    yield client
    server.terminate()
    server.wait(timeout=10)


class Monitor:
    """The commands Redis executes while the block runs (MONITOR, in a thread): `sent` are the
    commands clients sent (one per round trip), `scripted` those a Lua script ran."""

    def __init__(self, client):
        self.client, self.sent, self.scripted = client, [], []

    def __enter__(self):
        import threading
        import uuid

        self.stop = f"monitor-stop-{uuid.uuid4().hex}"
        ready = threading.Event()

        def listen():
            with self.client.monitor() as monitor:
                ready.set()
                for command in monitor.listen():
                    if self.stop in command["command"]:
                        return
                    if command["client_type"] == "lua":
                        self.scripted.append(command["command"])
                    else:
                        self.sent.append((command["client_port"], command["command"]))

        self.thread = threading.Thread(target=listen, daemon=True)
        self.thread.start()
        ready.wait(5)
        self.client.echo("monitor-started")  # MONITOR is on once its reply came back
        return self

    def __exit__(self, *exc):
        self.client.echo(self.stop)
        self.thread.join(10)
        # the commands of this monitor's own connection (its handshake, its echo) are not
        # the request's
        own = {port for port, command in self.sent if "monitor-started" in command}
        self.sent = [command for port, command in self.sent if port not in own]


def test_every_scope_of_a_request_is_one_round_trip(private_redis, user, auth_client, make_video):
    video = make_video()
    client = auth_client(user)
    client.get("/api/v1/me")  # loads the script once (EVALSHA, NOSCRIPT, SCRIPT LOAD)
    with Monitor(private_redis) as read:
        assert client.get("/api/v1/me").status_code == 200
    # the user scope: one EVALSHA (DRF's path: GET then SET)
    assert len(read.sent) == 1 and read.sent[0].startswith("EVALSHA"), read.sent
    assert sum(c.startswith("ZADD") for c in read.scripted) == 1, read.scripted
    with Monitor(private_redis) as write:
        assert client.post(f"/api/v1/videos/{video.pk}/like").status_code in (200, 201)
    # the user and the likes scope: still one round trip (DRF's path: four)
    evalsha = [c for c in write.sent if c.startswith("EVALSHA")]
    assert len(evalsha) == 1, write.sent
    assert "throttle_user_" in evalsha[0] and "throttle_likes_" in evalsha[0], evalsha
    assert sum(c.startswith("ZADD") for c in write.scripted) == 2, write.scripted
    assert not [c for c in write.sent if c.split()[0].strip('"') in ("GET", "SET")], write.sent


def test_one_round_trip_keeps_drfs_rules(
    private_redis, user, make_user, auth_client, make_video, monkeypatch
):
    """Per-scope windows, a refused request still counted by the scopes that allowed it, and
    Retry-After from DRF's wait() formula."""
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "user": "4/min", "likes": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    videos = [make_video() for _ in range(3)]
    client = auth_client(user)
    assert client.post(f"/api/v1/videos/{videos[0].pk}/like").status_code in (200, 201)
    assert client.post(f"/api/v1/videos/{videos[1].pk}/like").status_code in (200, 201)
    refused = client.post(f"/api/v1/videos/{videos[2].pk}/like")
    assert refused.status_code == 429
    # DRF: wait = (60 - elapsed since the oldest of the 2 likes) / (2 - 2 + 1): just under 60
    assert 55 <= int(refused["Retry-After"]) <= 60
    # the refused like spent the user scope (3 of 4): one more request, then the user scope
    assert client.get("/api/v1/me").status_code == 200
    over = client.get("/api/v1/me")
    assert over.status_code == 429
    # DRF: (60 - elapsed) / (4 - 4 + 1)
    assert 55 <= int(over["Retry-After"]) <= 60
    # another user's windows are their own
    assert auth_client(make_user("other")).get("/api/v1/me").status_code == 200


def test_one_round_trip_fails_open_when_redis_is_down(settings, user, auth_client):
    """FailOpenRedisCache: Redis unreachable, a request is served unthrottled (as DRF's path
    through that cache is)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "user": "1/min"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
        client = auth_client(user)
        assert [client.get("/api/v1/me").status_code for _ in range(3)] == [200, 200, 200]
