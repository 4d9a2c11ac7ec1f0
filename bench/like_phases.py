"""Where a POST like's time goes, in-process (Django's test client, no socket), against a
seeded catalogue (bench/seed_feed.py) with Redis as cache and broker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_bench_100k \\
        .venv/bin/python bench/like_phases.py --likes 600

Each like (a random one of the 5,000 lowest-ranked public videos, by one of 50 users) is
followed by its DELETE. Wall-clock wrappers time authentication, throttles, the like and
unlike statements and every Celery publish (`config.tasks.enqueue_now`); prints the median
of each and how many times it ran. No worker consumes the published messages.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.httpbench import django_env  # noqa: E402 - needs ROOT on sys.path


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--likes", type=int, default=600)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    args = parser.parse_args()
    os.environ.update(django_env(args.redis_url, ALLOWED_HOSTS="testserver,127.0.0.1"))
    import django

    django.setup()
    from config.startup import freeze_startup_objects, import_task_modules

    import_task_modules()
    freeze_startup_objects()  # as the web process does (config/wsgi.py)
    from django.test import Client
    from rest_framework.views import APIView
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.tokens import RefreshToken

    import config.tasks
    import feed.services
    from accounts.models import User
    from feed.models import Video

    times: dict[str, list[float]] = {}

    def wrap(owner, name, label):
        original = getattr(owner, name)

        def timed(*a, **kw):
            started = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                times.setdefault(label, []).append(time.perf_counter() - started)

        setattr(owner, name, timed)

    wrap(JWTAuthentication, "authenticate", "authentication")
    wrap(APIView, "check_throttles", "throttles")
    wrap(feed.services, "_like_video_pg", "like statement")
    wrap(feed.services, "_unlike_video_pg", "unlike statement")
    wrap(config.tasks, "enqueue_now", "Celery publish")
    rng = random.Random(1)
    users = list(User.objects.filter(following_count__gt=0).order_by("id")[:50])
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    videos = list(
        Video.objects.filter(status="published", visibility="public")
        .order_by("hot_score")
        .values_list("id", flat=True)[:5000]
    )
    client = Client()

    def like_and_unlike(i):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[i % len(tokens)]}"}
        path = f"/api/v1/videos/{rng.choice(videos)}/like"
        for method, label in ((client.post, "POST like"), (client.delete, "DELETE like")):
            started = time.perf_counter()
            response = method(path, **auth)
            times.setdefault(f"{label}, whole request", []).append(time.perf_counter() - started)
            assert response.status_code in (201, 204, 404), response.status_code

    for i in range(50):
        like_and_unlike(i)  # warm
    times.clear()
    for i in range(args.likes):
        like_and_unlike(i)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| part | n | median ms |\n| --- | ---: | ---: |")
    for label, values in times.items():
        print(f"| {label} | {len(values)} | {statistics.median(values) * 1000:.3f} |")


if __name__ == "__main__":
    main()
