"""Create and seed the load-test database (default `cutaway_load`): users, follows, published
videos with likes and comments, and cameos anyone may use. Counters are set from the rows.

    .venv/bin/python bench/load/seed.py [--users 300 --videos 600 --likes 4000 --comments 1500]

Drops and recreates the database each time (it is the load test's own), then migrates. Jobs
and videos point at file names that do not exist: the load test reads metadata, never media.
"""

import argparse
import os
import random
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_load"


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_DB))
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--follows", type=int, default=8, help="per user")
    p.add_argument("--videos", type=int, default=600)
    p.add_argument("--likes", type=int, default=4000)
    p.add_argument("--comments", type=int, default=1500)
    p.add_argument("--cameos", type=int, default=40)
    p.add_argument("--seed", type=int, default=7)
    return p.parse_args()


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = url[: -len(parts.path)] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main():
    args = parse_args()
    recreate_database(args.database_url)
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "load-seed-" + "x" * 50),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)

    from accounts.models import Cameo, Follow, User
    from feed import ranking
    from feed.models import Comment, Like, Video
    from generation.models import GenerationJob

    rng = random.Random(args.seed)
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(handle=f"load{n:04d}", email=f"load{n:04d}@example.com", password="!")
            for n in range(args.users)
        ]
    )
    follows = {(u.pk, v.pk) for u in users for v in rng.sample(users, args.follows) if u.pk != v.pk}
    Follow.objects.bulk_create([Follow(follower_id=a, followee_id=b) for a, b in follows])

    jobs, videos = [], []
    for n in range(args.videos):
        author = rng.choice(users)
        published_at = now - timedelta(minutes=rng.randint(1, 60 * 24 * 14))
        job = GenerationJob(
            user=author,
            prompt=f"load clip {n}",
            status=GenerationJob.Status.SUCCEEDED,
            idempotency_key=str(uuid.uuid4()),
            video_file=f"clips/load-{n}/video.mp4",
            thumbnail_file=f"clips/load-{n}/thumbnail.jpg",
            probe={"duration": 8.0, "width": 720, "height": 1280},
            finished_at=published_at,
        )
        jobs.append(job)
        videos.append(
            Video(
                job=job,
                author=author,
                caption=f"clip {n}",
                visibility="public",
                status="published",
                duration=8.0,
                width=720,
                height=1280,
                published_at=published_at,
                hot_base=ranking.recency(published_at),
                hot_score=ranking.hot_score(
                    likes=0, comments=0, remixes=0, published_at=published_at
                ),
            )
        )
    GenerationJob.objects.bulk_create(jobs)
    Video.objects.bulk_create(videos)
    likes = {(rng.choice(users).pk, rng.choice(videos).pk) for _ in range(args.likes)}
    Like.objects.bulk_create([Like(user_id=u, video_id=v) for u, v in likes])
    Comment.objects.bulk_create(
        [
            Comment(video=rng.choice(videos), author=rng.choice(users), body=f"nice {n}")
            for n in range(args.comments)
        ]
    )
    Cameo.objects.bulk_create(
        [
            Cameo(
                owner=owner,
                status=Cameo.Status.ACTIVE,
                permission=Cameo.Permission.EVERYONE,
                source_clip=f"cameos/load-{owner.pk}.mp4",
                verified_at=now,
            )
            for owner in rng.sample(users, args.cameos)
        ]
    )
    with connection.cursor() as cursor:  # counters from the rows
        cursor.execute(
            "UPDATE accounts_user u SET following_count = "
            "(SELECT count(*) FROM accounts_follow f WHERE f.follower_id = u.id), "
            "follower_count = (SELECT count(*) FROM accounts_follow f WHERE f.followee_id = u.id)"
        )
        cursor.execute(
            "UPDATE feed_video v SET like_count = "
            "(SELECT count(*) FROM feed_like l WHERE l.video_id = v.id), comment_count = "
            "(SELECT count(*) FROM feed_comment c WHERE c.video_id = v.id AND NOT c.is_removed)"
        )
    for video in Video.objects.all().only("id", "like_count", "comment_count", "published_at"):
        Video.objects.filter(pk=video.pk).update(
            hot_score=ranking.hot_score(
                likes=video.like_count,
                comments=video.comment_count,
                remixes=0,
                published_at=video.published_at,
            )
        )
    print(
        f"seeded {args.database_url}: {len(users)} users, {len(follows)} follows, "
        f"{len(videos)} videos, {len(likes)} likes, {args.comments} comments, "
        f"{args.cameos} cameos"
    )


if __name__ == "__main__":
    main()
