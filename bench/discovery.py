"""Measure search, hashtag pages, the trends refresh and the for-you first page with followed
hashtags against a seeded catalogue (bench/seed_feed.py seeds captions with hashtags).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_discovery_bench \\
        .venv/bin/python bench/discovery.py --requests 300

Single client over HTTP (gunicorn, --workers), each phase --requests requests (bounded by
--phase-seconds): GET search one word, two words, a handle prefix (type=users), a hashtag
prefix (type=hashtags); GET hashtags/{tag} top and new (tags drawn by use, so popular tags
come up as often as people open them). In the same run, the floor: the one- and two-word
video searches as one hand-written SQL statement through psycopg in-process (GIN match,
ts_rank × popularity, public and published, LIMIT 20: no visibility subqueries, no blocks, no
serializer). Then the trends refresh after 1,000 new likes (inserted by SQL, refresh timed
in-process, --trend-rounds times), and the for-you first page p99 of the same users with the
followed-hashtag source off (today's feed) and on, after each user followed 5 tags (two
servers, FEED_INTEREST_SOURCES empty and default). Prints a Markdown table.
"""

import argparse
import http.client
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_discovery_bench"

from bench.feed import run_single, summary  # noqa: E402
from bench.httpbench import (  # noqa: E402
    Client,
    django_env,
    start_gunicorn,
    stop_process_groups,
)
from bench.seed_feed import WORDS  # noqa: E402

FLOOR_SQL = (
    "SELECT v.id FROM discovery_videodocument d JOIN feed_video v ON v.id = d.video_id"
    " WHERE d.document @@ websearch_to_tsquery('simple', %s) AND v.status = 'published'"
    " AND v.visibility = 'public' ORDER BY ts_rank(d.document,"
    " websearch_to_tsquery('simple', %s)) * (1 + 0.25 * log(1 + v.like_count)) DESC,"
    " v.id DESC LIMIT 20"
)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--requests", type=int, default=300)
    p.add_argument("--phase-seconds", type=float, default=120.0)
    p.add_argument("--trend-rounds", type=int, default=5)
    p.add_argument("--search-only", action="store_true", help="search, pages and floor only")
    p.add_argument("--skip-search", action="store_true", help="only trends and for-you")
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    return p.parse_args()


def wait_ready(port, token):
    for _ in range(200):
        try:
            Client(port).request("GET", "/api/v1/trends", token)
            return
        except (OSError, http.client.HTTPException, RuntimeError):
            time.sleep(0.3)
    raise RuntimeError("server did not start")


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    env = django_env(args.redis_url, DATABASE_URL=url)
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from discovery.models import Hashtag, HashtagFollow
    from discovery.trends import refresh_trends
    from feed.models import Video

    rng = random.Random(13)
    users = list(User.objects.filter(following_count__gt=0).order_by("?")[:100])
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    handles = list(User.objects.order_by("?").values_list("handle", flat=True)[:500])
    tags = list(Hashtag.objects.order_by("-video_count").values_list("name", "video_count"))
    n_videos = Video.objects.count()
    print(f"catalogue: {n_videos} videos, {len(tags)} hashtags; load {os.getloadavg()}")
    top_tag_counts = [count for _, count in tags[:3]]
    print(f"top tags carry {top_tag_counts} videos")
    names, weights = [t for t, _ in tags], [max(c, 1) for _, c in tags]

    def one_word(i):
        return rng.choice(WORDS)

    def two_words(i):
        return " ".join(rng.sample(WORDS, 2))

    results = []
    server, port = start_gunicorn(
        "config.wsgi:application", workers=args.workers, env=env, extra=("--timeout", "120")
    )
    plain_env = {**env, "FEED_INTEREST_SOURCES": ""}
    plain, plain_port = start_gunicorn(
        "config.wsgi:application", workers=args.workers, env=plain_env, extra=("--timeout", "120")
    )
    try:
        wait_ready(port, tokens[0])
        wait_ready(plain_port, tokens[0])

        def search(make_q, kind="videos"):
            def request(client, token, i):
                q = quote(make_q(i))
                return client.request("GET", f"/api/v1/search?q={q}&type={kind}", token)[0]

            return request

        phases = [
            ("GET search, one word", search(one_word)),
            ("GET search, two words", search(two_words)),
            (
                "GET search type=users, handle prefix",
                search(lambda i: rng.choice(handles)[:4], "users"),
            ),
            (
                "GET search type=hashtags, prefix",
                search(lambda i: "#" + rng.choice(names)[:3], "hashtags"),
            ),
        ]
        for sort in ("top", "new"):

            def page(client, token, i, sort=sort):
                tag = rng.choices(names, weights)[0]
                return client.request("GET", f"/api/v1/hashtags/{tag}?sort={sort}", token)[0]

            phases.append((f"GET hashtags/{{tag}}?sort={sort}", page))
        for name, request in [] if args.skip_search else phases:
            results.append(
                run_single(name, port, tokens, request, args.requests, args.phase_seconds)
            )
            print(results[-1], flush=True)

        # The floor, in-process.
        floors = (("floor SQL, one word", one_word), ("floor SQL, two words", two_words))
        for name, make_q in [] if args.skip_search else floors:
            lat = []
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for i in range(args.requests):
                    q = make_q(i)
                    t0 = time.perf_counter()
                    cursor.execute(FLOOR_SQL, [q, q])
                    cursor.fetchall()
                    lat.append(time.perf_counter() - t0)
            results.append(summary(name, lat, time.perf_counter() - started))
            print(results[-1], flush=True)

        # Trends refresh after 1,000 new likes.
        if args.search_only:
            return print_table(results)
        # The seed's ~1M likes are history: start the cursor after them, so each timed
        # refresh folds exactly the new likes.
        from django.db.models import Max

        from discovery.models import TrendCursor
        from feed.models import Like

        last = Like.objects.aggregate(m=Max("id"))["m"] or 0
        TrendCursor.objects.update_or_create(name="likes", defaults={"last_id": last})
        refresh_trends()
        lat = []
        for _ in range(args.trend_rounds):
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO feed_like (user_id, video_id, created_at) SELECT u.id, v.id, now()"
                    " FROM (SELECT id FROM accounts_user ORDER BY random() LIMIT 1000) u"
                    " CROSS JOIN LATERAL (SELECT id FROM feed_video WHERE status = 'published'"
                    " AND visibility = 'public' AND u.id > 0"
                    " ORDER BY hot_score DESC OFFSET (random() * 200)::int LIMIT 1) v"
                    " ON CONFLICT DO NOTHING"
                )
                inserted = cursor.rowcount
            t0 = time.perf_counter()
            folded = refresh_trends()
            lat.append(time.perf_counter() - t0)
            print(f"  refresh: {inserted} new likes, {folded}", flush=True)
        results.append(summary("trends refresh after 1,000 likes (in-process)", lat, sum(lat)))

        # For-you first page: the followed-hashtag source off, then on with 5 followed tags.
        def first_page(client, token, i):
            return client.request("GET", "/api/v1/feed?page_size=20", token)[0]

        results.append(
            run_single(
                "GET feed first page, source off (today)",
                plain_port,
                tokens,
                first_page,
                args.requests,
                args.phase_seconds,
            )
        )
        print(results[-1], flush=True)
        HashtagFollow.objects.filter(user__in=users).delete()
        follow_rows = []
        top = [
            pk for pk in Hashtag.objects.order_by("-video_count").values_list("pk", flat=True)[:300]
        ]
        for user in users:
            for pk in rng.sample(top, 5):
                follow_rows.append(HashtagFollow(user=user, hashtag_id=pk))
        HashtagFollow.objects.bulk_create(follow_rows, ignore_conflicts=True)
        results.append(
            run_single(
                "GET feed first page, 5 followed hashtags",
                port,
                tokens,
                first_page,
                args.requests,
                args.phase_seconds,
            )
        )
        print(results[-1], flush=True)
        HashtagFollow.objects.filter(user__in=users).delete()
    finally:
        stop_process_groups([server, plain])

    print_table(results)


def print_table(results):
    print(f"\nload average at end: {os.getloadavg()}\n")
    print("| phase | n | p50 ms | p95 ms | p99 ms | req/s |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        figures = " | ".join(f"{r[k]:.1f}" for k in ("p50", "p95", "p99", "rps"))
        print(f"| {r['name']} | {r['n']} | {figures} |")


if __name__ == "__main__":
    main()
