"""Before/after over HTTP in one run: the same requests sent alternately to two servers, one
running another checkout of the project (`--before DIR`, e.g. `git worktree add` or
`git archive main | tar -x -C DIR`, with its own .venv link) and one running this tree, so
both see the same machine load at the same moment. For a shared, loaded machine, where two
runs minutes apart are not comparable.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_speed_b100k \\
        .venv/bin/python bench/ab_http.py --before /tmp/before --requests 200

Phases (each --requests requests per server, alternating A B B A …): GET search one word,
two words, a handle prefix (type=users); GET hashtags/{tag} top and new (`tagtop`, `tagnew`:
tags drawn by use, as bench/discovery.py does); GET feed first page, next page; GET me; POST
like (each followed by an unmeasured DELETE). `--follow-hashtags N` has the measured users
follow N popular tags for the run; `--before-env KEY=VALUE` sets a setting on the before server
only, so `--before . --before-env FEED_INTEREST_SOURCES=` compares one tree with and without
a setting. Both servers: gunicorn, --workers sync workers,
DB_CONN_MAX_AGE=600, Redis cache (--redis-url), throttles on at rates that never refuse.
Prints p50/p99 per server and the ratio after/before, and the load average.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.httpbench import (  # noqa: E402
    Client,
    django_env,
    free_port,
    pct,
    stop_process_groups,
)
from bench.seed_feed import WORDS  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--before", required=True, help="the other checkout (its .venv included)")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    p.add_argument("--phases", default="search1,search2,users,first,next,me,like")
    p.add_argument(
        "--before-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting for the before server only (e.g. FEED_INTEREST_SOURCES= against the"
        " same tree: the for-you page without followed hashtags vs with them)",
    )
    p.add_argument(
        "--follow-hashtags",
        type=int,
        default=0,
        metavar="N",
        help="each measured user follows N of the 300 most used hashtags for the run",
    )
    return p.parse_args()


def start(tree: Path, env: dict, workers: int):
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - a checkout's own gunicorn, fixed arguments
        [str(tree / ".venv/bin/gunicorn"), "config.wsgi:application", "--timeout", "120"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=tree,
        env=env,
        start_new_session=True,
    )
    return process, port


def wait_ready(port, token):
    for _ in range(300):
        try:
            Client(port).request("GET", "/api/v1/me", token)
            return
        except (OSError, RuntimeError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"server on {port} did not start")


def main():
    args = parse_args()
    env = django_env(args.redis_url)
    os.environ.update(env)
    import django

    django.setup()
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from discovery.models import Hashtag, HashtagFollow
    from feed.models import Video

    rng = random.Random(21)
    users = list(User.objects.filter(following_count__gt=0).order_by("?")[:100])
    tokens = [str(RefreshToken.for_user(u).access_token) for u in users]
    handles = list(User.objects.order_by("?").values_list("handle", flat=True)[:500])
    videos = [
        str(pk)
        for pk in Video.objects.filter(status="published", visibility="public")
        .order_by("-hot_score")
        .values_list("pk", flat=True)[:2000]
    ]
    tags = list(Hashtag.objects.filter(video_count__gt=0).values_list("name", "video_count"))
    tag_names, tag_weights = [t for t, _ in tags], [c for _, c in tags]

    def tag_page(sort):
        return lambda: f"/api/v1/hashtags/{rng.choices(tag_names, tag_weights)[0]}?sort={sort}"

    HashtagFollow.objects.filter(user__in=users).delete()
    popular = list(Hashtag.objects.order_by("-video_count").values_list("pk", flat=True)[:300])
    HashtagFollow.objects.bulk_create(
        [
            HashtagFollow(user=user, hashtag_id=pk)
            for user in users
            for pk in rng.sample(popular, args.follow_hashtags)
        ]
    )
    before_env = {**env, **dict(item.split("=", 1) for item in args.before_env)}
    servers = {
        "before": start(Path(args.before).resolve(), before_env, args.workers),
        "after": start(ROOT, env, args.workers),
    }
    print(f"load at start {os.getloadavg()}", flush=True)
    try:
        clients = {}
        for name, (_, port) in servers.items():
            wait_ready(port, tokens[0])
            clients[name] = Client(port)

        def get(path):
            return lambda client, token: client.send("GET", path(), token)

        def next_page(client, token):
            _, status, body = client.send("GET", "/api/v1/feed?page_size=20", token)
            nxt = json.loads(body)["next"]
            path = nxt[nxt.index("/api/") :]
            return client.send("GET", path, token)

        def like(client, token):
            video = rng.choice(videos)
            result = client.send("POST", f"/api/v1/videos/{video}/like", token)
            client.send("DELETE", f"/api/v1/videos/{video}/like", token)
            return result

        phases = {
            "search1": (
                "GET search, one word",
                get(lambda: f"/api/v1/search?q={rng.choice(WORDS)}"),
            ),
            "search2": (
                "GET search, two words",
                get(lambda: "/api/v1/search?q=" + quote(" ".join(rng.sample(WORDS, 2)))),
            ),
            "users": (
                "GET search type=users, handle prefix",
                get(lambda: f"/api/v1/search?type=users&q={rng.choice(handles)[:4]}"),
            ),
            "tagtop": ("GET hashtags/{tag}?sort=top", get(tag_page("top"))),
            "tagnew": ("GET hashtags/{tag}?sort=new", get(tag_page("new"))),
            "first": ("GET feed, first page", get(lambda: "/api/v1/feed?page_size=20")),
            "next": ("GET feed, next page (timed: the next page only)", next_page),
            "me": ("GET me", get(lambda: "/api/v1/me")),
            "like": ("POST like (then an untimed DELETE)", like),
        }
        rows = []
        for key in args.phases.split(","):
            label, request = phases[key]
            lat = {"before": [], "after": []}
            for i in range(args.requests):
                order = ("before", "after") if i % 2 == 0 else ("after", "before")
                token = tokens[i % len(tokens)]
                for name in order:
                    state = rng.getstate()
                    elapsed, status, body = request(clients[name], token)
                    if status >= 400 or status == 0:
                        raise RuntimeError(f"{name} {label}: {status} {body[:200]!r}")
                    lat[name].append(elapsed * 1000)
                    if name == order[0]:
                        rng.setstate(state)  # the other server gets the same request
            rows.append((label, lat))
            b, a = lat["before"], lat["after"]
            print(
                f"{label}: before {pct(b, 50):.1f}/{pct(b, 99):.1f}"
                f" after {pct(a, 50):.1f}/{pct(a, 99):.1f} ms; load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    finally:
        stop_process_groups([p for p, _ in servers.values()])
        HashtagFollow.objects.filter(user__in=users).delete()
    print(f"\nload average at end: {os.getloadavg()}\n")
    print("| request | n | before p50 / p99 ms | after p50 / p99 ms | after/before p50 / p99 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, lat in rows:
        b, a = lat["before"], lat["after"]
        print(
            f"| {label} | {len(a)} | {pct(b, 50):.1f} / {pct(b, 99):.1f}"
            f" | {pct(a, 50):.1f} / {pct(a, 99):.1f}"
            f" | {pct(a, 50) / pct(b, 50):.2f} / {pct(a, 99) / pct(b, 99):.2f} |"
        )


if __name__ == "__main__":
    main()
