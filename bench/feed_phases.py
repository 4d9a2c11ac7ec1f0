"""Where a first "for you" page spends its time, phase by phase, in-process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_bench \\
        REDIS_URL=redis://127.0.0.1:6379/14 .venv/bin/python bench/feed_phases.py --users 200

For --users bench users (the same pick as bench/feed.py: users who follow someone), runs the
work of `GET /api/v1/feed` without HTTP — rank the session (`feed.selectors.rank_for_you`),
store it in the cache, fetch the page rows and turn them into JSON — --rounds times, and
prints p50/p95/p99 per phase and for the whole, so a slow tail can be pinned on one phase.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_bench"

from bench.httpbench import pct  # noqa: E402 - needs ROOT on sys.path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--likes", type=int, default=300, help="like_video calls to time")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from config.startup import freeze_startup_objects

    freeze_startup_objects()  # as the web process does (config/wsgi.py): in-process figures
    from django.core.cache import cache

    from accounts.models import User
    from feed import selectors
    from feed.pagination import RankedIds
    from feed.serializers import page_row_dict

    users = list(User.objects.filter(following_count__gt=0).order_by("?")[: args.users])
    phases: dict[str, list[float]] = {}

    def timed(name, fn, *a, **kw):
        t0 = time.perf_counter()
        out = fn(*a, **kw)
        phases.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    def wrap(name, fn):
        def wrapper(*a, **kw):
            return timed(name, fn, *a, **kw)

        return wrapper

    # Sub-phases of rank_for_you (the rest of it is the seen query, scoring and diversity).
    selectors.feed_signals = wrap("  feed_signals (2 queries)", selectors.feed_signals)
    selectors.user_rows = wrap("  one compiled query", selectors.user_rows)
    selectors.for_you_candidates = wrap(
        "  for_you_candidates (1 query)", selectors.for_you_candidates
    )

    # Round 0 warms the process up (compiled queries, prepared statements, the Redis
    # connection: ~100 ms once) and is not reported, as a served process is long past it.
    for round_ in range(args.rounds + 1):
        if round_ == 1:
            phases.clear()
        for user in users if round_ else users[:5]:
            t0 = time.perf_counter()
            ids = timed("rank_for_you", selectors.rank_for_you, user)
            session = {"u": user.id, "ids": RankedIds.pack(ids).blob}
            timed("cache.set session", cache.set, "bench:phases", session, 60)
            rows = timed(
                "page rows + cameos", selectors.for_you_page_rows, user, ids[: args.page_size]
            )
            timed("to JSON dicts", lambda page: [page_row_dict(r, c, v) for r, c, v in page], rows)
            phases.setdefault("whole first page", []).append(time.perf_counter() - t0)
    time_likes(users, args.likes, phases)
    print(f"{len(users)} users × {args.rounds} rounds; load average {os.getloadavg()}")
    print("| phase | p50 ms | p95 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in phases.items():
        ms = sorted(v * 1000 for v in values)
        print(
            f"| {name} | {pct(ms, 50):.1f} | {pct(ms, 95):.1f} | {pct(ms, 99):.1f} | {ms[-1]:.1f} |"
        )


def time_likes(users, n, phases):
    """like_video as bench/feed.py times it (random public videos, undone after), with the
    time of each SQL statement it runs (execute only) beside the whole call."""
    import random

    from django.db import connection

    from feed.models import Video
    from feed.services import like_video, unlike_video

    rng = random.Random(11)
    public_ids = list(
        Video.objects.filter(status="published", visibility="public")
        .order_by("?")
        .values_list("id", flat=True)[:5000]
    )
    statements: list = []

    def record(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql.split()[0], time.perf_counter() - t0))

    for i in range(-10, n):  # the first 10 warm up and are not recorded
        user, video = users[i % len(users)], rng.choice(public_ids)
        statements.clear()
        t0 = time.perf_counter()
        try:
            with connection.execute_wrapper(record):
                like_video(user, video)
        except Exception:  # noqa: BLE001, S112 - a video this user may not see
            continue
        elapsed_like = time.perf_counter() - t0
        unlike_video(user, video)
        if i < 0:
            continue
        phases.setdefault("like_video", []).append(elapsed_like)
        for k, (verb, elapsed) in enumerate(statements):
            phases.setdefault(f"  like statement {k + 1} ({verb})", []).append(elapsed)


if __name__ == "__main__":
    main()
