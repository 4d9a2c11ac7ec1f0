"""Redis down (cache and broker pointed at a closed port; the machine's Redis keeps running):
reads are still served, POST /generations is a clean 503 that writes nothing, and once Redis
is back the same request goes through and whatever was left waiting is swept onto the queue.

Choice (RELIABILITY.md, "Faults and load"): generation checks the broker before writing, so a
503 leaves no job and no charge and the client retries with the same Idempotency-Key. A job
whose enqueue is lost anyway (the broker dies between that check and the enqueue) stays
`queued`, and sweep_stale_jobs enqueues it once the broker answers again.
"""

import socket
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app as celery_app
from generation.models import GenerationJob, QuotaEntry
from generation.services.pipeline import sweep_stale_jobs
from tests.faults.conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {"prompt": "A tram crosses a bridge in the fog", "seconds": 4, "seed": 5}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_broker(url: str) -> None:
    celery_app.conf.broker_url = url
    celery_app._pool = None  # connection and producer pools were made for the old URL
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings, live_tasks):
    """Cache and broker at a port nobody listens on; restore() brings the real broker back."""
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    broker = celery_app.conf.broker_url
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    _use_broker(dead)
    yield lambda: _use_broker(broker)
    _use_broker(broker)


def _published_video(author):
    from feed.services import publish_video

    job = GenerationJob.objects.create(
        user=author,
        prompt="a heron lands on a post",
        status=GenerationJob.Status.SUCCEEDED,
        idempotency_key=str(uuid.uuid4()),
        video_file="clips/x/video.mp4",
        thumbnail_file="clips/x/thumbnail.jpg",
        probe={"duration": 4.0, "width": 720, "height": 1280},
        finished_at=timezone.now(),
    )
    return publish_video(author, job, caption="heron", visibility="public")


def test_reads_are_served_while_redis_is_down(redis_down, user, other_user, auth_client):
    video = _published_video(other_user)
    client = auth_client(user)
    for path in (
        "/api/v1/me",
        "/api/v1/feed",
        "/api/v1/feed/following",
        f"/api/v1/videos/{video.pk}",
        f"/api/v1/videos/{video.pk}/comments",
        f"/api/v1/users/{other_user.handle}/videos",
        "/api/v1/generations",
        "/api/v1/me/quota",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    assert client.get("/api/v1/feed").json()["results"][0]["id"] == str(video.pk)


def test_plain_redis_cache_would_fail_reads(user, auth_client):
    """Why the fail-open cache: Django's RedisCache raises in the throttle check."""
    import redis
    from django.test import override_settings

    plain = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    client = auth_client(user)
    with override_settings(CACHES=plain), pytest.raises(redis.exceptions.ConnectionError):
        client.get("/api/v1/me")


@pytest.mark.slow
def test_generation_is_503_while_down_and_catches_up(
    redis_down, start_worker, user, auth_client, settings
):
    client = auth_client(user)
    key = str(uuid.uuid4())
    response = client.post("/api/v1/generations", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert "job queue cannot be reached" in body["detail"]
    assert response["Retry-After"] == "30"
    assert not GenerationJob.objects.exists()
    assert not QuotaEntry.objects.exists()

    # A job whose enqueue was lost in the outage (the broker died after the check): the
    # sweep cannot enqueue it while Redis is down, and does not fail or lose it either.
    long_ago = timezone.now() - timedelta(minutes=5)
    stranded = GenerationJob.objects.create(
        user=user,
        prompt="A kite over dunes",
        seconds=4,
        seed=9,
        idempotency_key=str(uuid.uuid4()),
    )
    GenerationJob.objects.filter(pk=stranded.pk).update(created_at=long_ago)
    assert sweep_stale_jobs()["requeued"] == 1  # tried; the enqueue failed and was logged
    stranded.refresh_from_db()
    assert stranded.status == GenerationJob.Status.QUEUED

    # Redis is back.
    redis_down()
    response = client.post("/api/v1/generations", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 202, response.content
    retried = GenerationJob.objects.get(pk=response.json()["id"])
    start_worker()
    # A minute on (the failed sweep stamped the job), beat's sweep enqueues the stranded job.
    GenerationJob.objects.filter(pk=stranded.pk).update(heartbeat_at=long_ago)
    assert sweep_stale_jobs()["requeued"] == 1

    def both_done():
        return all(
            GenerationJob.objects.get(pk=j.pk).status == GenerationJob.Status.SUCCEEDED
            for j in (retried, stranded)
        )

    wait_for(both_done, timeout=50, interval=0.5, what="both jobs to succeed")
    assert QuotaEntry.objects.filter(user=user).count() == 1  # only the API job was charged


def test_cache_reuses_one_redis_client_per_pool(settings):
    """Django builds a redis.Redis per cache call; ours keeps one per pool (config/cache.py)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    from django.core.cache import cache

    cache.set("cutaway-test-shared-client", 1)
    assert cache.incr("cutaway-test-shared-client") == 2
    assert cache.get("cutaway-test-shared-client") == 2
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client
    cache.delete("cutaway-test-shared-client")
