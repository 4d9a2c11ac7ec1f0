"""Where a feed request's time goes, by phase: pyinstrument over --requests first pages and
--requests next pages, served in-process by Django's WSGI handler (no socket), against a
seeded catalogue (bench/seed_feed.py) with Redis as the cache.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_speed_b100k \\
        .venv/bin/python bench/profile_requests.py --requests 200

Phases are the wall time spent under these functions (outermost match; the rest of the
request is "DRF/Django request handling"): authentication (JWT decode, user lookup), throttles,
feed session read/write (cache), ranking and page queries (the view's selectors), rendering
(JSON). Prints a Markdown table per request kind, ms per request.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = [
    ("authentication (JWT decode + user lookup)", ("_authenticate",)),
    ("throttles", ("check_throttles",)),
    ("feed session read/write (Redis)", ("FailOpenRedisCache.get", "FailOpenRedisCache.set")),
    ("ranking (first page only)", ("rank_for_you",)),
    ("page queries", ("for_you_page_rows",)),
    ("page dicts + cursor", ("page_row_dict", "cursor_url_maker", "cursor_url")),
    ("rendering (JSON)", ("rendered_content",)),
]


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    return p.parse_args()


def phase_times(frame, totals):
    """Add each phase's time under `frame` (outermost match only) to `totals`."""
    names = {frame.function, f"{frame.class_name}.{frame.function}"}
    for label, wanted in PHASES:
        if names & set(wanted):
            totals[label] = totals.get(label, 0.0) + frame.time
            return
    for child in frame.children:
        phase_times(child, totals)


def main():
    args = parse_args()
    os.environ.update(
        {
            "SECRET_KEY": "bench-only-secret-key-bench-only-secret-key",
            "DEBUG": "0",
            "SECURE_SSL_REDIRECT": "0",
            "REDIS_URL": args.redis_url,
            "DB_CONN_MAX_AGE": "600",
            "THROTTLE_USER": "10000000/min",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ALLOWED_HOSTS": "testserver,127.0.0.1",
        }
    )
    import django

    django.setup()
    from django.test import Client
    from pyinstrument import Profiler
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    users = list(User.objects.filter(following_count__gt=0).order_by("?")[:50])
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    client = Client()

    def first(i):
        token = tokens[i % len(tokens)]
        return client.get("/api/v1/feed?page_size=20", HTTP_AUTHORIZATION=f"Bearer {token}")

    nexts = []
    for i in range(args.requests):  # the next-page links, made before profiling
        nexts.append(first(i).json()["next"].split("testserver", 1)[1])

    def next_page(i):
        return client.get(nexts[i], HTTP_AUTHORIZATION=f"Bearer {tokens[i % len(tokens)]}")

    print(f"load at start {os.getloadavg()}")
    for label, request in (("first page", first), ("next page", next_page)):
        for i in range(10):
            request(i)  # warm
        profiler = Profiler(interval=0.0005)
        started = time.perf_counter()
        profiler.start()
        for i in range(args.requests):
            assert request(i).status_code == 200
        profiler.stop()
        wall = time.perf_counter() - started
        totals: dict = {}
        phase_times(profiler.last_session.root_frame(), totals)
        per = 1000 / args.requests
        print(f"\n{label}: {wall * per:.2f} ms per request (wall, in-process)\n")
        print("| phase | ms per request | share |")
        print("| --- | ---: | ---: |")
        accounted = 0.0
        for phase, _ in PHASES:
            t = totals.get(phase, 0.0)
            accounted += t
            print(f"| {phase} | {t * per:.2f} | {t / wall:.0%} |")
        rest = wall - accounted
        rest_label = "DRF/Django request handling, middleware, the rest"
        print(f"| {rest_label} | {rest * per:.2f} | {rest / wall:.0%} |")
    print(f"\nload at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
