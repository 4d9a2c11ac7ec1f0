"""Measure the feed against a seeded catalogue (bench/seed_feed.py) through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_bench \\
        .venv/bin/python bench/feed.py --workers 4 --requests 300 --concurrency 16

Starts gunicorn on 127.0.0.1 (a free port) with the project against the bench database and a
Redis cache (feed sessions must be shared by the workers), then measures, each phase bounded
by a request count and --phase-seconds:

- GET feed, first page (ranks a new session) and next pages (slices the cached session),
  single client and --concurrency clients: p50/p95/p99 latency and requests/s;
- GET feed/following, single client;
- POST videos/{id}/like over HTTP (and the like service timed in-process, DB work only);
- reference (a): a naive ORM feed, `annotate(Count("likes"))` with an HN-style decay computed
  in the query, the first page of 20, in-process (no HTTP, no serializer);
- reference (b): the floor, the same page fetched with one hand-written SQL query through
  psycopg (no ORM, no serializer): in-process, and over HTTP from a bare WSGI app
  (bench/floor_app.py) served by gunicorn with the same worker count. (b) is the global hot
  page with its joins — a next page's work; (b') ranks the same candidates with the same
  personal score in that one query — a first page's work, minus diversity and the session
  (bench/floor_app.py says exactly what it leaves out).
Prints a Markdown table and the load average; the servers are stopped whatever happens.
"""

import argparse
import contextlib
import http.client
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_bench"

from bench.httpbench import (  # noqa: E402 - needs ROOT on sys.path
    Client,
    django_env,
    pct,
    start_gunicorn,
    stop_process_groups,
)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=4)
    p.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread) for both"
    )
    p.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    p.add_argument("--requests", type=int, default=300, help="per single-client phase")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--concurrent-requests", type=int, default=800)
    p.add_argument("--likes", type=int, default=300)
    p.add_argument("--naive-runs", type=int, default=5)
    p.add_argument("--floor-runs", type=int, default=200)
    p.add_argument("--page-size", type=int, default=20)
    p.add_argument("--phase-seconds", type=float, default=90.0)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    return p.parse_args()


def summary(name, latencies, elapsed):
    ms = [x * 1000 for x in latencies]
    return {
        "name": name,
        "n": len(ms),
        "p50": pct(ms, 50),
        "p95": pct(ms, 95),
        "p99": pct(ms, 99),
        "mean": statistics.fmean(ms) if ms else float("nan"),
        "rps": len(ms) / elapsed if elapsed else float("nan"),
    }


def path_of(url):
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def run_single(name, port, tokens, make_request, n, seconds):
    client = Client(port)
    lat = []
    deadline = time.monotonic() + seconds
    started = time.perf_counter()
    for i in range(n):
        if time.monotonic() > deadline:
            break
        lat.append(make_request(client, tokens[i % len(tokens)], i))
    return summary(name, lat, time.perf_counter() - started)


def run_concurrent(name, port, tokens, make_request, n, concurrency, seconds):
    lat, lock = [], threading.Lock()
    counter = iter(range(n))
    deadline = time.monotonic() + seconds
    errors = []

    def worker(index):
        client = Client(port)
        while time.monotonic() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                elapsed = make_request(client, tokens[(i * 7 + index) % len(tokens)], i)
            except Exception as exc:  # noqa: BLE001 - reported, the run continues
                errors.append(exc)
                continue
            with lock:
                lat.append(elapsed)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = summary(name, lat, time.perf_counter() - started)
    result["errors"] = len(errors)
    if errors:
        print(f"  {name}: {len(errors)} errors, first: {errors[0]}", flush=True)
    return result


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    env = django_env(args.redis_url, DATABASE_URL=url)
    os.environ.update(env)
    import django

    django.setup()
    from config.startup import freeze_startup_objects

    freeze_startup_objects()  # as the web process does (config/wsgi.py): in-process figures
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from feed.models import Video

    rng = random.Random(11)
    # Users who follow someone (the feed then has personal candidates too).
    users = list(
        User.objects.filter(following_count__gt=0).order_by("?")[:200]
        or User.objects.order_by("?")[:200]
    )
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    n_videos = Video.objects.count()
    public_ids = list(
        Video.objects.filter(status="published", visibility="public")
        .order_by("?")
        .values_list("id", flat=True)[:5000]
    )
    print(f"catalogue: {n_videos} videos; {len(users)} bench users", flush=True)
    print(f"load average at start: {os.getloadavg()}", flush=True)

    served = ("--worker-class", args.worker_class, "--threads", str(args.threads))
    print(f"gunicorn: {args.workers} workers, {args.worker_class}, {args.threads} threads")
    gunicorn, port = start_gunicorn(
        "config.wsgi:application",
        workers=args.workers,
        env=env,
        extra=("--timeout", "120", *served),
    )
    floor_server, floor_port = start_gunicorn(
        "floor_app:application",
        workers=args.workers,
        env=env,
        extra=("--pythonpath", str(ROOT / "bench"), *served),
    )
    results = []
    try:
        client = Client(port)
        for _ in range(100):
            try:
                client.request("GET", "/api/v1/feed/following", tokens[0])
                break
            except (OSError, http.client.HTTPException, RuntimeError):
                time.sleep(0.3)
                client = Client(port)
        size = args.page_size
        first_path = f"/api/v1/feed?page_size={size}"

        def feed_first(c, token, i):
            return c.request("GET", first_path, token)[0]

        # Next pages: each token scrolls its own session; a session is restarted at its end.
        cursors: dict = {}
        cursor_lock = threading.Lock()
        restarts: list = []

        def feed_next(c, token, i):
            with cursor_lock:
                nxt = cursors.pop(token, None)
            if nxt is None:
                _, body = c.request("GET", first_path, token)
                nxt = body["next"]
            try:
                elapsed, body = c.request("GET", path_of(nxt), token)
            except RuntimeError as exc:
                if "cursor_expired" not in str(exc):
                    raise
                # The session left the cache (another process flushed this Redis db): a
                # client starts over, as documented. Counted, not timed.
                restarts.append(1)
                _, body = c.request("GET", first_path, token)
                elapsed, body = c.request("GET", path_of(body["next"]), token)
            with cursor_lock:
                if body["next"]:
                    cursors[token] = body["next"]
            return elapsed

        def following(c, token, i):
            return c.request("GET", f"/api/v1/feed/following?page_size={size}", token)[0]

        def like(c, token, i):
            video = rng.choice(public_ids)
            try:
                elapsed = c.request("POST", f"/api/v1/videos/{video}/like", token)[0]
            except RuntimeError as exc:  # a followers-only/blocked mismatch is a 404: skip
                if "404" not in str(exc):
                    raise
                return 0.0
            c.request("DELETE", f"/api/v1/videos/{video}/like", token)
            return elapsed

        # Warm up every worker's connection and code paths (a worker's first like also opens
        # its broker connection for the push task, ~25 ms once per process).
        run_concurrent("warmup", port, tokens, feed_first, 40, 8, 30)
        run_concurrent("warmup", port, tokens, like, 40, 8, 30)

        n, secs = args.requests, args.phase_seconds
        conc, cn = args.concurrency, args.concurrent_requests
        print("measuring …", flush=True)
        results.append(run_single("feed first page, 1 client", port, tokens, feed_first, n, secs))
        results.append(run_single("feed next page, 1 client", port, tokens, feed_next, n, secs))
        results.append(
            run_concurrent(
                f"feed first page, {conc} clients", port, tokens, feed_first, cn, conc, secs
            )
        )
        results.append(
            run_concurrent(
                f"feed next page, {conc} clients", port, tokens, feed_next, cn, conc, secs
            )
        )
        results.append(run_single("feed/following, 1 client", port, tokens, following, n, secs))
        results.append(
            run_single("POST like (HTTP), 1 client", port, tokens, like, args.likes, secs)
        )
        results.append(
            run_concurrent(
                f"POST like (HTTP), {conc} clients", port, tokens, like, args.likes, conc, secs
            )
        )

        def floor_page(c, token, i):
            return c.request("GET", "/feed", token)[0]

        run_concurrent("warmup", floor_port, tokens, floor_page, 40, 8, 30)
        results.append(
            run_single(
                "(b) raw SQL floor over HTTP, 1 client", floor_port, tokens, floor_page, n, secs
            )
        )

        def ranked_floor_page(c, token, i):
            return c.request("GET", "/feed/ranked", token)[0]

        results.append(
            run_single(
                "(b') ranked raw SQL floor over HTTP, 1 client",
                floor_port,
                tokens,
                ranked_floor_page,
                n,
                secs,
            )
        )
        results.append(
            run_concurrent(
                f"(b) raw SQL floor over HTTP, {conc} clients",
                floor_port,
                tokens,
                floor_page,
                cn,
                conc,
                secs,
            )
        )
        if restarts:
            print(f"feed sessions restarted after cursor_expired: {len(restarts)}", flush=True)
    finally:
        stop_process_groups((gunicorn, floor_server), timeout=30)

    # In-process references ---------------------------------------------------------------
    from feed.services import like_video, unlike_video

    # Warm up like the HTTP phases do: the first calls in a process compile the statement
    # and prepare it on the connection (~10 ms once), which is not what a like costs.
    for user, video in zip(users[:10], public_ids[-10:], strict=True):
        with contextlib.suppress(Exception):
            like_video(user, video)
            unlike_video(user, video)
    lat = []
    started = time.perf_counter()
    for i in range(args.likes):
        user, video = users[i % len(users)], rng.choice(public_ids)
        t0 = time.perf_counter()
        try:
            like_video(user, video)
        except Exception:  # noqa: BLE001, S112 - a video this user may not see
            continue
        lat.append(time.perf_counter() - t0)
        unlike_video(user, video)
    results.append(summary("like_video service (in-process)", lat, time.perf_counter() - started))

    from django.core.cache import cache

    from feed import selectors
    from feed.pagination import RankedIds
    from feed.serializers import page_row_dict

    def ours_inprocess(user):
        """What GET feed does on PostgreSQL for a first page, without HTTP, auth or cursors."""
        ids = RankedIds.pack(selectors.rank_for_you(user))
        cache.set("bench:first-page", {"u": user.id, "ids": ids.blob}, 60)
        return [page_row_dict(*row) for row in selectors.for_you_page_rows(user, ids[:size])]

    for user in users[-5:]:  # warm-up, as above
        ours_inprocess(user)
    lat = []
    started = time.perf_counter()
    for i in range(min(args.requests, 100)):
        t0 = time.perf_counter()
        ours_inprocess(users[i % len(users)])
        lat.append(time.perf_counter() - t0)
    results.append(summary("ours: first page, in-process", lat, time.perf_counter() - started))

    results.append(naive(users, args, size))
    results.append(floor(url, users, args, size))
    results.append(floor(url, users, args, size, ranked=True))
    connection.close()

    print(f"\nload average at end: {os.getloadavg()}")
    print("| measurement | n | p50 ms | p95 ms | p99 ms | req/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(
            f"| {r['name']} | {r['n']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} "
            f"| {r['rps']:.1f} |"
        )
    by = {r["name"]: r for r in results}
    naive_p50 = by["(a) naive ORM feed (in-process)"]["p50"]
    floor_p50 = by["(b) raw SQL floor (in-process)"]["p50"]
    http_floor = by["(b) raw SQL floor over HTTP, 1 client"]["p50"]
    print()
    for name in ("feed first page, 1 client", "feed next page, 1 client"):
        print(
            f"- {name}: {naive_p50 / by[name]['p50']:.0f}× faster than naive (p50); "
            f"{by[name]['p50'] / http_floor:.1f}× the HTTP floor, "
            f"{by[name]['p50'] / floor_p50:.1f}× the in-process floor"
        )
    ranked_http = by["(b') ranked raw SQL floor over HTTP, 1 client"]["p50"]
    ranked_floor = by["(b') ranked raw SQL floor (in-process)"]["p50"]
    first = by["feed first page, 1 client"]["p50"]
    print(
        f"- feed first page, 1 client: {first / ranked_http:.1f}× the ranked HTTP floor (b'), "
        f"{first / ranked_floor:.1f}× the ranked in-process floor"
    )
    ours = by["ours: first page, in-process"]["p50"]
    print(
        f"- in-process first page: {naive_p50 / ours:.0f}× faster than naive, "
        f"{ours / floor_p50:.1f}× the in-process floor"
    )


def naive(users, args, size):
    """Reference (a): what a first version would write — count likes and decay per query."""
    from django.db.models import Count, F, FloatField, Func, Value
    from django.db.models.functions import Cast, Power
    from django.utils import timezone

    from feed.models import Video

    lat = []
    started = time.perf_counter()
    deadline = time.monotonic() + args.phase_seconds
    for _ in range(args.naive_runs):
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        age_hours = Func(
            Value(timezone.now()) - F("published_at"),
            template="(EXTRACT(EPOCH FROM %(expressions)s) / 3600.0)",
            output_field=FloatField(),
        )
        page = list(
            Video.objects.filter(status="published", visibility="public")
            .annotate(likes_n=Count("likes"))
            .annotate(
                score=Cast(F("likes_n"), FloatField()) / Power(age_hours + Value(2.0), Value(1.8))
            )
            .select_related("author", "job")
            .order_by("-score", "-id")[:size]
        )
        assert len(page) == size
        lat.append(time.perf_counter() - t0)
    return summary("(a) naive ORM feed (in-process)", lat, time.perf_counter() - started)


def floor(url, users, args, size, *, ranked=False):
    """Reference (b) — or (b'), ranked — with one hand-written query, no ORM, no serializer."""
    import psycopg
    from floor_app import FLOOR_SQL, RANKED_FLOOR_SQL

    sql = RANKED_FLOOR_SQL if ranked else FLOOR_SQL

    lat = []
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, {"me": users[0].id, "size": size})
        cur.fetchall()
        started = time.perf_counter()
        deadline = time.monotonic() + args.phase_seconds
        for i in range(args.floor_runs):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            cur.execute(sql, {"me": users[i % len(users)].id, "size": size})
            rows = cur.fetchall()
            lat.append(time.perf_counter() - t0)
            assert len(rows) == size
    name = "(b') ranked raw SQL floor (in-process)" if ranked else "(b) raw SQL floor (in-process)"
    return summary(name, lat, time.perf_counter() - started)


if __name__ == "__main__":
    main()
