"""Measure the outbox and webhooks: events/s from commit to the last verified delivery, and
what the outbox write adds to a like.

    .venv/bin/python bench/events.py --events 10000 --likes 2000 --workers 2

Uses its own PostgreSQL database (created and migrated if missing: --database-url, default
postgres://postgres@127.0.0.1:5432/cutaway_bench_events) and Redis (--redis-url) as the
broker. Phases:

1. like latency, in-process (the like_video service, DB work only), interleaved in one run:
   (a) the like statement as it was before the outbox (`with_event=False`), (b) with the
   outbox write, author without a webhook (the usual case: no Celery message), (c) with the
   outbox write and a subscribed author (the statement plus one enqueue to Redis);
2. fan-out: one video liked by --events users, its author subscribed to `video.liked` at a
   loopback receiver that verifies every delivery with standardwebhooks; --workers Celery
   worker processes (prefork, concurrency 2 each) dispatch and send. Reported: the commit
   phase, and events/s from the first commit to the last verified delivery.
Prints a Markdown table and the load average. The workers are stopped whatever happens.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "bench-only-secret-key-bench-only-secret-key"

from bench.httpbench import pct, stop_process_groups  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/cutaway_bench_events"
    )
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    p.add_argument("--events", type=int, default=10000)
    p.add_argument("--likes", type=int, default=2000, help="per like variant")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--timeout", type=float, default=900.0)
    return p.parse_args()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(args) -> dict:
    env = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "DB_CONN_MAX_AGE": "600",  # as bench/feed.py: persistent connections in the workers
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "GENERATION_PROMPT_CHECKS": "",
        "GENERATION_OUTPUT_CHECKS": "",
    }
    os.environ.update(env)
    ensure_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {**os.environ, **env}


def seed_users(prefix: str, count: int) -> list:
    from accounts.models import User

    existing = list(User.objects.filter(handle__startswith=prefix).order_by("pk"))
    missing = [
        User(handle=f"{prefix}{i}", email=f"{prefix}{i}@bench.invalid", password="!")
        for i in range(len(existing), count)
    ]
    User.objects.bulk_create(missing, batch_size=2000)
    return list(User.objects.filter(handle__startswith=prefix).order_by("pk")[:count])


def new_video(author):
    from django.utils import timezone

    from feed.services import publish_video
    from generation.models import GenerationJob

    job = GenerationJob.objects.create(
        user=author,
        prompt="bench clip",
        seconds=4,
        status=GenerationJob.Status.SUCCEEDED,
        idempotency_key=f"bench-{time.time_ns()}",
        video_file="clips/bench/video.mp4",
        thumbnail_file="clips/bench/thumb.jpg",
        probe={"duration": 4.0, "width": 720, "height": 1280},
        finished_at=timezone.now(),
    )
    return publish_video(author, job)


def reset():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE events_deliveryattempt, events_webhookdelivery, events_event,"
            " events_webhookendpoint, feed_like, accounts_notification CASCADE"
        )


def like_latency(args, users, receiver_url) -> list[tuple]:
    from events.services.webhooks import create_endpoint
    from feed.models import Like
    from feed.services import _like_video_pg, unlike_video

    quiet, listened = seed_users("bench_author_", 2)
    create_endpoint(listened, url=receiver_url, events=["video.liked"])
    quiet_video, listened_video = new_video(quiet), new_video(listened)
    variants = {
        "(a) like before the outbox": (quiet_video, {"with_event": False}),
        "(b) like + outbox row, no subscriber": (quiet_video, {}),
        "(c) like + outbox row + enqueue (subscribed author)": (listened_video, {}),
    }
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for i in range(args.likes + 20):  # interleaved: the same minute of machine load for all
        user = users[i % len(users)]
        for name, (video, options) in variants.items():
            t0 = time.perf_counter()
            _like_video_pg(user, video.pk, **options)
            elapsed = time.perf_counter() - t0
            unlike_video(user, video.pk)
            if i >= 20:  # warm-up: statement compiled and prepared on the connection
                samples[name].append(elapsed * 1000)
    Like.objects.all().delete()
    return [
        (name, len(v), statistics.median(v), pct(v, 95), pct(v, 99)) for name, v in samples.items()
    ]


def start_workers(env, count: int, log_dir: Path) -> list:
    workers = []
    for n in range(count):
        log = open(log_dir / f"bench-events-worker-{n}.log", "wb")  # noqa: SIM115
        workers.append(
            subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=2",
                    "-l",
                    "WARNING",
                    "-n",
                    f"bench-events-{n}@%h",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    return workers


def fan_out(args, env, users, receiver) -> dict:
    from events.models import Event
    from events.services.webhooks import create_endpoint
    from feed.services import like_video

    [author] = seed_users("bench_fan_author_", 1)
    endpoint = create_endpoint(author, url=receiver.url, events=["video.liked"])
    receiver.secret = endpoint.secret
    video = new_video(author)
    log_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    workers = start_workers(env, args.workers, log_dir)
    try:
        time.sleep(8)  # the workers connect to the broker
        started = time.perf_counter()
        for user in users[: args.events]:
            like_video(user, video.pk)
        committed = time.perf_counter() - started
        deadline = time.monotonic() + args.timeout
        while len(receiver.accepted()) < args.events and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        stop_process_groups(workers, timeout=30)
    delivered = len({r.webhook_id for r in receiver.accepted()})
    return {
        "events": Event.objects.filter(type="video.liked", user=author).count(),
        "delivered": delivered,
        "duplicates": len(receiver.accepted()) - delivered,
        "commit_s": committed,
        "total_s": elapsed,
        "events_per_s": delivered / elapsed,
    }


def main():
    args = parse_args()
    env = setup(args)
    from tests.events.receiver import running_receiver

    reset()
    users = seed_users("bench_liker_", max(args.events, 200))
    print(f"load average at start: {os.getloadavg()}", flush=True)
    with running_receiver() as receiver:
        rows = like_latency(args, users[:200], receiver.url)
        print("\n| like_video (in-process, PostgreSQL) | n | p50 ms | p95 ms | p99 ms |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for name, n, p50, p95, p99 in rows:
            print(f"| {name} | {n} | {p50:.2f} | {p95:.2f} | {p99:.2f} |", flush=True)
        reset()
        fan = fan_out(args, env, users, receiver)
    print(
        f"\nfan-out: {fan['events']} video.liked events committed in {fan['commit_s']:.1f} s; "
        f"{fan['delivered']} delivered and verified ({fan['duplicates']} duplicates) in "
        f"{fan['total_s']:.1f} s from the first commit: {fan['events_per_s']:.0f} events/s "
        f"({args.workers} workers x concurrency 2)"
    )
    print(f"load average at end: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
