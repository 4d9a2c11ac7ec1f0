"""Build a feed catalogue in PostgreSQL for bench/feed.py, with COPY.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_bench \\
        .venv/bin/python bench/seed_feed.py --videos 100000 --users 10000 \\
        --likes 1000000 --follows 100000

Reference size: --videos 1000000 --users 100000 --likes 10000000 --follows 1000000.

The database is emptied (TRUNCATE … CASCADE of the users, jobs and feed tables) and filled
with users, follows, one succeeded job per video, videos and likes. Popularity follows a
power law (a few creators and videos get most of the likes), publish times spread over
--days days (rows written oldest first, as a live table fills), 94% public / 5%
followers-only / 1% private, 98% published. like_count is the exact number of like rows and
hot_score is computed in the load with feed.ranking, so the catalogue looks exactly as if it
had been built through the services. The secondary indexes of the like table are dropped
during the COPY and rebuilt after it (much faster than maintaining them row by row).
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/cutaway_bench"


def log(message: str, started: float) -> None:
    print(f"[{time.monotonic() - started:7.1f}s] {message}", flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--likes", type=int, default=1_000_000)
    parser.add_argument("--follows", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30, help="publish times spread over")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def setup_django(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Migrate what the feed needs (the whole project when it migrates cleanly).
    env = {**os.environ}
    manage = [sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"]
    if subprocess.run(manage, env=env, capture_output=True).returncode != 0:  # noqa: PLW1510
        for app in ("contenttypes", "auth", "accounts", "generation", "feed", "sessions"):
            subprocess.run([*manage[:-1], app, "-v0"], env=env, check=True)
    import django

    django.setup()


def copy_rows(cursor, model, columns: list[str], rows) -> int:
    """COPY `rows` (tuples in `columns` order) into the model's table; every other concrete
    column gets its field default, so fields added by others later keep the load working."""
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column in columns]
    by_column = {f.column: f for f in fields}
    extra = [f for f in fields if f.column not in columns]
    defaults = []
    for f in extra:
        value = f.get_default()
        if f.get_internal_type() == "JSONField":
            value = Jsonb(value)
        defaults.append(value)
    all_columns = columns + [f.column for f in extra]
    assert set(columns) <= set(by_column), set(columns) - set(by_column)
    count = 0
    sql = f"COPY {model._meta.db_table} ({', '.join(all_columns)}) FROM STDIN"
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row((*row, *defaults))
            count += 1
    return count


def powerlaw_weights(n: int, exponent: float, rng) -> np.ndarray:
    ranks = np.arange(1, n + 1, dtype=np.float64)
    weights = 1.0 / ranks**exponent
    rng.shuffle(weights)
    return weights / weights.sum()


# Caption vocabulary: words of everyday short-video captions, and hashtags whose use follows a
# power law (a few tags — #fyp, #funny — on many videos, a long tail on a few each).
WORDS = [
    "sunset",
    "beach",
    "city",
    "night",
    "neon",
    "cat",
    "dog",
    "puppy",
    "kitten",
    "kite",
    "wave",
    "surf",
    "forest",
    "rain",
    "snow",
    "road",
    "coffee",
    "morning",
    "dance",
    "music",
    "guitar",
    "piano",
    "street",
    "food",
    "pizza",
    "ramen",
    "cake",
    "bake",
    "cooking",
    "recipe",
    "travel",
    "mountain",
    "lake",
    "river",
    "desert",
    "island",
    "train",
    "car",
    "bike",
    "skate",
    "skateboard",
    "robot",
    "dragon",
    "space",
    "rocket",
    "moon",
    "star",
    "galaxy",
    "ocean",
    "fish",
    "whale",
    "bird",
    "owl",
    "garden",
    "flower",
    "tree",
    "autumn",
    "winter",
    "summer",
    "spring",
    "party",
    "wedding",
    "birthday",
    "friends",
    "family",
    "baby",
    "grandma",
    "football",
    "basketball",
    "tennis",
    "yoga",
    "gym",
    "workout",
    "run",
    "marathon",
    "paint",
    "drawing",
    "anime",
    "comic",
    "movie",
    "trailer",
    "game",
    "retro",
    "vintage",
    "fashion",
    "outfit",
    "makeup",
    "hair",
    "tutorial",
    "diy",
    "craft",
    "origami",
    "lego",
    "science",
    "chemistry",
]
N_TAGS = 5000


def tag_names() -> list[str]:
    tags = ["fyp", "funny", "viral", "ai", "cute", "art", "music", "travel", "food", "dance"]
    seen = set(tags)
    i = 0
    while len(tags) < N_TAGS:
        a, b = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
        name = f"{a}{b}" if i % 3 else f"{a}{i // len(WORDS)}"
        if name not in seen:
            seen.add(name)
            tags.append(name)
        i += 1
    return tags


def make_captions(n: int, rng) -> list[str]:
    """Captions of 3–8 words and 0–5 hashtags (mean ≈ 2.3), tags drawn from a power law."""
    tags = np.array(tag_names())
    ranks = np.arange(1, len(tags) + 1, dtype=np.float64)
    tag_p = 1.0 / ranks**1.05
    tag_p /= tag_p.sum()
    words = np.array(WORDS)
    n_words = rng.integers(3, 9, size=n)
    n_tags = rng.choice(6, size=n, p=[0.12, 0.18, 0.25, 0.22, 0.13, 0.10])
    all_words = rng.choice(words, size=int(n_words.sum()))
    all_tags = rng.choice(tags, size=int(n_tags.sum()), p=tag_p)
    captions, w, t = [], 0, 0
    for i in range(n):
        text = " ".join(all_words[w : w + n_words[i]]).capitalize()
        chosen = dict.fromkeys(all_tags[t : t + n_tags[i]])
        captions.append(" ".join([text, *(f"#{tag}" for tag in chosen)]))
        w, t = w + n_words[i], t + n_tags[i]
    return captions


def seed_discovery(cur, video_ids, captions, published, status) -> None:
    """Hashtag, VideoHashtag and VideoDocument rows as discovery.services writes them (the
    same parser and words), by COPY; documents and counts then by SQL."""
    from discovery.models import Hashtag, VideoDocument, VideoHashtag
    from discovery.search import words_of
    from feed.captions import parse_hashtags

    tag_ids: dict[str, int] = {}
    links, docs = [], []
    for i, caption in enumerate(captions):
        for name in parse_hashtags(caption):
            tag_id = tag_ids.setdefault(name, len(tag_ids) + 1)
            links.append((video_ids[i], tag_id, published[i]))
        docs.append((video_ids[i], " ".join(words_of(caption))))
    copy_rows(cur, Hashtag, ["id", "name"], ((pk, name) for name, pk in tag_ids.items()))
    cur.execute("SELECT setval('discovery_hashtag_id_seq', %s)", [len(tag_ids)])
    copy_rows(cur, VideoHashtag, ["video_id", "hashtag_id", "published_at"], iter(links))
    copy_rows(cur, VideoDocument, ["video_id", "words"], iter(docs))
    # The videos' hot scores onto their hashtag rows (the trigger of migration 0004 only sees
    # UPDATEs, not these COPYs).
    cur.execute(
        "UPDATE discovery_videohashtag l SET hot_score = v.hot_score FROM feed_video v"
        " WHERE v.id = l.video_id"
    )
    # + the creator's handle and display name, as discovery.services writes them, and the
    # popularity class of the video's counters (the function migration 0003 created).
    cur.execute(
        "UPDATE discovery_videodocument d SET words = d.words || ' ' || lower(u.handle)"
        " || ' ' || lower(u.display_name), document = to_tsvector('simple', d.words || ' '"
        " || lower(u.handle) || ' ' || lower(u.display_name)),"
        " popularity = discovery_video_popularity(v.like_count, v.comment_count, v.remix_count)"
        " FROM feed_video v JOIN accounts_user u ON u.id = v.author_id WHERE v.id = d.video_id"
    )
    cur.execute(
        "UPDATE discovery_hashtag h SET video_count = c.n FROM (SELECT vh.hashtag_id,"
        " count(*) AS n FROM discovery_videohashtag vh JOIN feed_video v ON v.id = vh.video_id"
        " WHERE v.status = 'published' GROUP BY vh.hashtag_id) c WHERE c.hashtag_id = h.id"
    )


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if "postgres" not in url:
        sys.exit("seed_feed needs PostgreSQL (DATABASE_URL=postgres://…)")
    started = time.monotonic()
    setup_django(url)
    log("migrated", started)

    from django.db import connection

    from accounts.models import Follow, User
    from feed import ranking
    from feed.models import Like, Video
    from generation.models import GenerationJob

    rng = np.random.default_rng(args.seed)
    now = datetime.now(UTC)
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection under Django's wrapper
    raw.autocommit = False
    cur = raw.cursor()
    cur.execute(
        "TRUNCATE accounts_user, generation_generationjob, feed_video, feed_like, "
        "accounts_follow, accounts_block, accounts_notification, discovery_hashtag "
        "RESTART IDENTITY CASCADE"
    )
    log("truncated", started)

    # Users ---------------------------------------------------------------------------------
    n_users = args.users
    joined = now - timedelta(days=args.days + 30)

    def users():
        for i in range(1, n_users + 1):
            yield (i, "!bench-unusable", f"user{i}", f"user{i}@bench.invalid", f"User {i}", joined)

    copy_rows(
        cur,
        User,
        ["id", "password", "handle", "email", "display_name", "date_joined"],
        users(),
    )
    cur.execute("SELECT setval(pg_get_serial_sequence('accounts_user', 'id'), %s)", [n_users])
    log(f"{n_users} users", started)

    # Follows: popular creators are followed more (power law on the followee) --------------
    creator_weights = powerlaw_weights(n_users, 0.9, rng)
    pairs: set = set()
    while len(pairs) < args.follows:
        need = int((args.follows - len(pairs)) * 1.1) + 16
        followers = rng.integers(1, n_users + 1, size=need)
        followees = rng.choice(n_users, size=need, p=creator_weights) + 1
        for a, b in zip(followers.tolist(), followees.tolist(), strict=True):
            if a != b:
                pairs.add((a, b))
                if len(pairs) >= args.follows:
                    break
    follow_at = now - timedelta(days=1)
    copy_rows(
        cur,
        Follow,
        ["follower_id", "followee_id", "created_at"],
        ((a, b, follow_at) for a, b in pairs),
    )
    cur.execute(
        "UPDATE accounts_user u SET following_count = c.n FROM (SELECT follower_id, count(*) n "
        "FROM accounts_follow GROUP BY follower_id) c WHERE u.id = c.follower_id"
    )
    cur.execute(
        "UPDATE accounts_user u SET follower_count = c.n FROM (SELECT followee_id, count(*) n "
        "FROM accounts_follow GROUP BY followee_id) c WHERE u.id = c.followee_id"
    )
    del pairs
    log(f"{args.follows} follows", started)

    # Videos and their jobs -----------------------------------------------------------------
    n_videos = args.videos
    authors = rng.choice(n_users, size=n_videos, p=creator_weights) + 1
    # Oldest first: a live table fills in publish order, so the recent videos every feed
    # branch reads share heap pages (in random order each of them was a cold page of its own).
    ages = np.sort(rng.uniform(0, args.days * 86400, size=n_videos))[::-1]
    like_weights = powerlaw_weights(n_videos, 0.8, rng)
    like_counts = rng.multinomial(args.likes, like_weights)
    like_counts = np.minimum(like_counts, n_users)  # a user likes a video at most once
    visibility = rng.choice(["public", "followers", "private"], size=n_videos, p=[0.94, 0.05, 0.01])
    status = rng.choice(["published", "removed", "held"], size=n_videos, p=[0.98, 0.01, 0.01])
    ids = [uuid.UUID(int=int(x), version=4) for x in rng.integers(0, 2**63, size=n_videos)]
    job_ids = [uuid.UUID(int=int(x), version=4) for x in rng.integers(0, 2**63, size=n_videos)]
    published = [now - timedelta(seconds=float(a)) for a in ages]

    def jobs():
        for i in range(n_videos):
            yield (
                job_ids[i],
                int(authors[i]),
                "succeeded",
                100,
                f"bench video {i}",
                f"bench/{i}.mp4",
                f"bench/{i}.jpg",
                published[i],
                published[i],
            )

    copy_rows(
        cur,
        GenerationJob,
        [
            "id",
            "user_id",
            "status",
            "progress",
            "prompt",
            "video_file",
            "thumbnail_file",
            "created_at",
            "finished_at",
        ],
        jobs(),
    )
    log(f"{n_videos} jobs", started)

    captions = make_captions(n_videos, rng)
    log(f"{n_videos} captions with hashtags", started)

    def videos():
        for i in range(n_videos):
            likes = int(like_counts[i])
            base = ranking.recency(published[i])
            yield (
                ids[i],
                job_ids[i],
                int(authors[i]),
                captions[i],
                str(visibility[i]),
                str(status[i]),
                8.0,
                720,
                1280,
                likes,
                base,
                ranking.hot_score(likes=likes, comments=0, remixes=0, published_at=published[i]),
                published[i],
                published[i],
                now,
            )

    copy_rows(
        cur,
        Video,
        [
            "id",
            "job_id",
            "author_id",
            "caption",
            "visibility",
            "status",
            "duration",
            "width",
            "height",
            "like_count",
            "hot_base",
            "hot_score",
            "published_at",
            "created_at",
            "score_updated_at",
        ],
        videos(),
    )
    log(f"{n_videos} videos", started)
    seed_discovery(cur, ids, captions, published, status)
    log("hashtags, video hashtags and search documents", started)

    # Likes: per video, that many distinct users ----------------------------------------------
    raw.commit()  # deferred FK checks of the rows above must fire before ALTER TABLE
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'feed_like' "
        "AND indexname NOT LIKE '%%_pkey'"
    )
    like_indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'feed_like'::regclass AND contype IN ('u', 'f')"
    )
    like_constraints = cur.fetchall()
    for name, _ in like_constraints:
        cur.execute(f'ALTER TABLE feed_like DROP CONSTRAINT "{name}"')
    for name, _ in like_indexes:
        cur.execute(f'DROP INDEX IF EXISTS "{name}"')

    like_at = now - timedelta(hours=1)

    def likes():
        for i in range(n_videos):
            k = int(like_counts[i])
            if not k:
                continue
            if k * 4 < n_users:
                users_ = set()
                while len(users_) < k:
                    users_.update(rng.integers(1, n_users + 1, size=k - len(users_)).tolist())
            else:
                users_ = (rng.permutation(n_users)[:k] + 1).tolist()
            video_id = ids[i]
            for u in users_:
                yield (u, video_id, like_at)

    total_likes = copy_rows(cur, Like, ["user_id", "video_id", "created_at"], likes())
    log(f"{total_likes} likes copied", started)
    for name, definition in like_constraints:
        cur.execute(f'ALTER TABLE feed_like ADD CONSTRAINT "{name}" {definition}')
    for name, definition in like_indexes:
        if not any(name == c for c, _ in like_constraints):
            cur.execute(definition)
    log("like indexes and constraints rebuilt", started)
    raw.commit()
    raw.autocommit = True
    for table in (
        "accounts_user",
        "accounts_follow",
        "generation_generationjob",
        "feed_video",
        "feed_like",
        "discovery_hashtag",
        "discovery_videohashtag",
        "discovery_videodocument",
    ):
        cur.execute(f"VACUUM ANALYZE {table}")
    log("vacuum analyze done", started)
    cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
    log(f"database size {cur.fetchone()[0]}", started)


if __name__ == "__main__":
    main()
