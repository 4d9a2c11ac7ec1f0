"""Load test: a realistic request mix against gunicorn + a Celery worker (with beat) +
PostgreSQL + Redis on this machine, for a fixed number of requests, then a consistency check.

    .venv/bin/python bench/load/seed.py            # once: (re)creates cutaway_load
    .venv/bin/python bench/load/run.py --requests 3000 --concurrency 16 --generations 12

Mix (weights): for-you feed, following feed, video detail, comment lists, like/unlike,
comments, cameo checks (GET cameos/available), me, job list; plus --generations job requests
(4-second clips, half of them casting a cameo that anyone may use) spread through the run.
Production throttle rates stay on (429s are counted apart; the target is 0 other errors).
After the run it waits for the worker to drain every job (bounded by --drain-seconds), then
checks in SQL that like_count equals its rows and comment_count its visible (not removed) rows
for every video and that no job is left in a non-final state. Prints a Markdown report;
servers are stopped whatever happens. No stdlib-external client: threads over http.client
keep-alive connections.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_load"
SECRET = "load-test-only-secret-key-load-test-only-secret-key-0123456789"

from bench.httpbench import (  # noqa: E402 - needs ROOT on sys.path
    Client,
    pct,
    start_gunicorn,
    stop_process_groups,
)

MIX = {
    "GET /feed": 24,
    "GET /feed/following": 8,
    "GET /videos/{id}": 14,
    "GET /videos/{id}/comments": 8,
    "POST /videos/{id}/like": 9,
    "DELETE /videos/{id}/like": 5,
    "POST /videos/{id}/comments": 7,
    "GET /cameos/available": 12,
    "GET /me": 7,
    "GET /generations": 6,
}


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    p.add_argument("--requests", type=int, default=3000, help="mix requests (bounded run)")
    p.add_argument("--generations", type=int, default=12)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--gunicorn-workers", type=int, default=3)
    p.add_argument("--drain-seconds", type=float, default=600)
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def start_servers(args, env, var_dir: Path):
    log = open(var_dir / "servers.log", "ab")  # noqa: SIM115 - lives as long as the run
    gunicorn, port = start_gunicorn(
        "config.wsgi:application",
        workers=args.gunicorn_workers,
        env=env,
        extra=("--timeout", "120"),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "--beat",
            "--schedule",
            str(var_dir / "beat-schedule"),
            "--pool=prefork",
            "--concurrency=1",
            "-l",
            "WARNING",
            "-n",
            f"load-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return port, [gunicorn, worker]


def build_plan(args, rng, videos, cameo_handles):
    names = list(MIX)
    plan = rng.choices(names, weights=[MIX[n] for n in names], k=args.requests)
    for _ in range(args.generations):
        plan.insert(rng.randrange(len(plan) + 1), "POST /generations")
    return [(name, rng.random(), rng.choice(videos), rng.choice(cameo_handles)) for name in plan]


def perform(client, name, token, video_id, pick, cameo):
    v = f"/api/v1/videos/{video_id}"
    if name == "GET /feed":
        return client.send("GET", "/api/v1/feed", token)
    if name == "GET /feed/following":
        return client.send("GET", "/api/v1/feed/following", token)
    if name == "GET /videos/{id}":
        return client.send("GET", v, token)
    if name == "GET /videos/{id}/comments":
        return client.send("GET", f"{v}/comments", token)
    if name == "POST /videos/{id}/like":
        return client.send("POST", f"{v}/like", token)
    if name == "DELETE /videos/{id}/like":
        return client.send("DELETE", f"{v}/like", token)
    if name == "POST /videos/{id}/comments":
        return client.send("POST", f"{v}/comments", token, {"body": f"load comment {pick}"})
    if name == "GET /cameos/available":
        return client.send("GET", "/api/v1/cameos/available", token)
    if name == "GET /me":
        return client.send("GET", "/api/v1/me", token)
    if name == "GET /generations":
        return client.send("GET", "/api/v1/generations", token)
    if name == "POST /generations":
        body = {"prompt": f"A lantern drifts over a lake at night {pick:.4f}", "seconds": 4}
        if pick < 0.5:
            body["cameos"] = [cameo]
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        return client.send("POST", "/api/v1/generations", token, body, headers)
    raise ValueError(name)


def run_mix(args, port, plan, tokens):
    results = defaultdict(list)  # name -> [(latency, status)]
    samples: dict[str, bytes] = {}
    lock = threading.Lock()
    cursor = iter(range(len(plan)))

    def worker(index):
        client = Client(port, timeout=120)
        while True:
            with lock:
                i = next(cursor, None)
            if i is None:
                return
            name, pick, video_id, cameo = plan[i]
            token = tokens[(i * 7 + index) % len(tokens)]
            latency, status, data = perform(client, name, token, video_id, pick, cameo)
            with lock:
                results[name].append((latency, status))
                if (status >= 500 or status == 0 or (400 <= status != 429)) and (
                    name not in samples
                ):
                    samples[name] = data[:300]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(args.concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, samples, time.perf_counter() - started


def wait_ready(port, token, processes, deadline_s=90):
    client = Client(port, timeout=120)
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for proc in processes:
            if proc.poll() is not None:
                raise SystemExit(f"a server exited early ({proc.args[0]})")
        _, status, _ = client.send("GET", "/api/v1/me", token)
        if status == 200:
            return
        time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in time")


def drain(deadline_s):
    from generation.models import GenerationJob

    started = time.monotonic()
    while time.monotonic() - started < deadline_s:
        if not GenerationJob.objects.filter(status__in=GenerationJob.ACTIVE).exists():
            break
        time.sleep(2)
    return time.monotonic() - started


def consistency():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM feed_video v WHERE v.like_count <> "
            "(SELECT count(*) FROM feed_like l WHERE l.video_id = v.id)"
        )
        likes_off = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM feed_video v WHERE v.comment_count <> "
            "(SELECT count(*) FROM feed_comment c WHERE c.video_id = v.id AND NOT c.is_removed)"
        )
        comments_off = cursor.fetchone()[0]
        cursor.execute("SELECT status, count(*) FROM generation_generationjob GROUP BY status")
        jobs = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FROM generation_quotaentry q WHERE q.kind = 'refund' AND NOT EXISTS "
            "(SELECT 1 FROM generation_quotaentry c WHERE c.job_id = q.job_id "
            "AND c.kind = 'charge')"
        )
        orphan_refunds = cursor.fetchone()[0]
    return likes_off, comments_off, jobs, orphan_refunds


def main():
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="cutaway-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": SECRET,
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "DB_CONN_MAX_AGE": "600",
        "CUTAWAY_VAR_DIR": str(var_dir),
        "MEDIA_ROOT": str(var_dir / "media"),
        "STORAGE_BACKEND": "local",
        "GENERATION_PROVIDER": "local",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    import redis
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import Cameo, User
    from feed.models import Video

    redis.Redis.from_url(args.redis_url).flushdb()  # no queue or throttle state from before
    rng = random.Random(args.seed)
    users = list(User.objects.filter(handle__startswith="load").order_by("pk"))
    if not users:
        raise SystemExit("seed first: .venv/bin/python bench/load/seed.py")
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    videos = [str(pk) for pk in Video.objects.values_list("pk", flat=True)]
    cameo_handles = list(
        Cameo.objects.filter(status="active").values_list("owner__handle", flat=True)
    )
    plan = build_plan(args, rng, videos, cameo_handles)
    load_start = os.getloadavg()
    port, processes = start_servers(args, env, var_dir)
    try:
        wait_ready(port, tokens[0], processes)
        results, samples, elapsed = run_mix(args, port, plan, tokens)
        drained = drain(args.drain_seconds)
        likes_off, comments_off, jobs, orphan_refunds = consistency()
    finally:
        stop_process_groups(processes)
    report(args, results, samples, elapsed, drained, load_start)
    print(
        f"\nconsistency: videos with like_count != rows: {likes_off}; with comment_count != "
        f"rows: {comments_off}; jobs by status after drain: {jobs}; refunds without a "
        f"charge: {orphan_refunds}"
    )
    from generation.models import GenerationJob

    stuck = sum(n for status, n in jobs.items() if status in GenerationJob.ACTIVE)
    ok = likes_off == comments_off == stuck == orphan_refunds == 0
    errors = sum(
        1
        for rows in results.values()
        for _, status in rows
        if status == 0 or status >= 400
        if status != 429
    )
    print(f"result: {'PASS' if ok and errors == 0 else 'FAIL'} (non-429 errors: {errors})")
    sys.exit(0 if ok and errors == 0 else 1)


def report(args, results, samples, elapsed, drained, load_start):
    total = sum(len(rows) for rows in results.values())
    print(f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; load average before: {load_start}")
    print(
        f"{total} requests in {elapsed:.1f} s = {total / elapsed:.1f} req/s "
        f"(concurrency {args.concurrency}, gunicorn workers {args.gunicorn_workers}, "
        f"1 Celery worker); drained jobs in {drained:.0f} s; "
        f"load average after: {os.getloadavg()}\n"
    )
    print("| endpoint | n | 2xx | 429 | other errors | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in [*MIX, "POST /generations"]:
        rows = results.get(name, [])
        if not rows:
            continue
        ms = [lat * 1000 for lat, _ in rows]
        ok = sum(1 for _, s in rows if 200 <= s < 300)
        throttled = sum(1 for _, s in rows if s == 429)
        other = len(rows) - ok - throttled
        print(
            f"| {name} | {len(rows)} | {ok} | {throttled} | {other} | {pct(ms, 50):.0f} | "
            f"{pct(ms, 95):.0f} | {pct(ms, 99):.0f} |"
        )
    for name, sample in samples.items():
        print(f"first error body for {name}: {sample!r}")


if __name__ == "__main__":
    main()
