"""PostgreSQL connections killed during a like burst: clients that retry on connection errors
end with exactly the likes they meant — like_count equals the rows for every video, nothing
lost, nothing counted twice.

Ten users each toggle likes on three videos through the HTTP API from their own thread
(a fixed random plan, so each user's final intended state is known), while another thread
terminates every other backend of the test database every 500 ms with pg_terminate_backend.
A request whose connection dies raises OperationalError/InterfaceError; the client closes its
connection and sends the same request again (like and unlike are idempotent).
"""

import random
import threading
import time
import traceback
import uuid

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from feed.models import Like, Video
from generation.models import GenerationJob

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
]

USERS, VIDEOS, TOGGLES = 10, 3, 6


def _video(author, n):
    from feed.services import publish_video

    job = GenerationJob.objects.create(
        user=author,
        prompt=f"a snail race #{n}",
        status=GenerationJob.Status.SUCCEEDED,
        idempotency_key=str(uuid.uuid4()),
        video_file=f"clips/{n}/video.mp4",
        probe={"duration": 4.0, "width": 720, "height": 1280},
        finished_at=timezone.now(),
    )
    return publish_video(author, job, caption=f"snails {n}", visibility="public")


class Killer(threading.Thread):
    """Terminates every other connection to the test database, over and over."""

    def __init__(self, dsn: dict):
        super().__init__(daemon=True)
        self.dsn = dsn
        self.stop = threading.Event()
        self.killed = 0

    def run(self):
        with psycopg.connect(autocommit=True, **self.dsn) as conn:
            while not self.stop.is_set():
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                self.killed += sum(1 for (ok,) in rows if ok)
                self.stop.wait(0.5)


def test_like_burst_survives_killed_connections(make_user, auth_client):
    author = make_user("author")
    videos = [_video(author, n) for n in range(VIDEOS)]
    users = [make_user(f"liker{n}") for n in range(USERS)]
    rng = random.Random(20261126)
    plans = {
        u.pk: [(v.pk, rng.choice(["like", "unlike"])) for v in videos for _ in range(TOGGLES)]
        for u in users
    }
    for plan in plans.values():
        rng.shuffle(plan)
    intended = {
        (uid, vid): op == "like" for uid, plan in plans.items() for vid, op in plan
    }  # the last op per (user, video) wins: dict keeps the last assignment
    clients = {u.pk: auth_client(u) for u in users}
    retries = {"count": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def run_user(user_id):
        client = clients[user_id]
        try:
            for video_id, op in plans[user_id]:
                url = f"/api/v1/videos/{video_id}/like"
                deadline = time.monotonic() + 30
                while True:
                    try:
                        response = client.post(url) if op == "like" else client.delete(url)
                        break
                    except (OperationalError, InterfaceError):
                        connection.close()  # this thread's connection is dead: reconnect
                        with lock:
                            retries["count"] += 1
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.01)
                if response.status_code not in (201, 204):
                    with lock:
                        errors.append(f"{op} {video_id}: {response.status_code}")
        except Exception:  # reported below, not swallowed
            with lock:
                errors.append(traceback.format_exc())
        finally:
            connection.close()

    conf = connection.settings_dict
    dsn = {
        "dbname": conf["NAME"],
        "user": conf["USER"],
        "password": conf["PASSWORD"] or None,
        "host": conf["HOST"] or "127.0.0.1",
        "port": conf["PORT"] or 5432,
    }
    killer = Killer({k: v for k, v in dsn.items() if v is not None})
    killer.start()
    started = time.monotonic()
    threads = [threading.Thread(target=run_user, args=(u.pk,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    killer.stop.set()
    killer.join(timeout=10)
    connection.close()  # the main thread's connection was killed too
    took = time.monotonic() - started
    print(f"burst {took:.1f} s, {killer.killed} kills, {retries['count']} retries")

    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert errors == []
    assert killer.killed > 0 and retries["count"] > 0, "no connection was actually dropped"
    actual = set(Like.objects.values_list("user_id", "video_id"))
    assert actual == {key for key, liked in intended.items() if liked}
    for video in Video.objects.all():
        rows = Like.objects.filter(video=video).count()
        assert video.like_count == rows, (video.pk, video.like_count, rows)


def _get(path, token):
    """One request through Django's real WSGI handler (request_started/finished run, as under
    gunicorn: that is where persistent connections are checked and recycled)."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="GET", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    status = []
    body = b"".join(WSGIHandler()(environ, lambda s, headers, exc_info=None: status.append(s)))
    return int(status[0].split()[0]), body


@pytest.mark.parametrize("health_checks", [True, False])
def test_persistent_connection_killed_between_requests(user, health_checks):
    """Production keeps connections (DB_CONN_MAX_AGE): after a PostgreSQL restart or a dropped
    connection, the next request of every web worker must not be a 500. The settings turn on
    CONN_HEALTH_CHECKS; without it (the control) that request fails."""
    from django.conf import settings
    from rest_framework_simplejwt.tokens import RefreshToken

    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    token = str(RefreshToken.for_user(user).access_token)
    conf = connection.settings_dict
    saved = conf["CONN_MAX_AGE"], conf["CONN_HEALTH_CHECKS"]
    conf["CONN_MAX_AGE"], conf["CONN_HEALTH_CHECKS"] = 600, health_checks
    try:
        assert _get("/api/v1/me", token)[0] == 200
        pid = connection.connection.info.backend_pid  # kept open for the next request
        with psycopg.connect(
            autocommit=True,
            dbname=conf["NAME"],
            user=conf["USER"],
            host=conf["HOST"] or "127.0.0.1",
            port=conf["PORT"] or 5432,
        ) as admin:
            # Waits until the backend has exited: the connection died between the requests.
            assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
        status, body = _get("/api/v1/me", token)
        assert status == (200 if health_checks else 500), body[:300]
    finally:
        conf["CONN_MAX_AGE"], conf["CONN_HEALTH_CHECKS"] = saved
        connection.close()
