"""Time the trends refresh after ~1,000 new likes (inserted by SQL), in-process, ROUNDS times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_speed_b100k \\
        .venv/bin/python bench/trends_refresh.py 5

PROFILE=1 prints a pyinstrument profile of each refresh.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")

INSERT_LIKES = (
    "INSERT INTO feed_like (user_id, video_id, created_at) SELECT u.id, v.id, now()"
    " FROM (SELECT id FROM accounts_user ORDER BY random() LIMIT 1000) u"
    " CROSS JOIN LATERAL (SELECT id FROM feed_video WHERE status = 'published'"
    " AND visibility = 'public' AND u.id > 0"
    " ORDER BY hot_score DESC OFFSET (random() * 200)::int LIMIT 1) v"
    " ON CONFLICT DO NOTHING"
)


def main():
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Max

    from discovery.models import TrendCursor
    from discovery.trends import refresh_trends
    from feed.models import Like

    last = Like.objects.aggregate(m=Max("id"))["m"] or 0
    TrendCursor.objects.get_or_create(name="likes", defaults={"last_id": last})
    refresh_trends()  # fold whatever was pending, untimed
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        with connection.cursor() as cursor:
            cursor.execute(INSERT_LIKES)
            inserted = cursor.rowcount
        profiler = None
        if os.environ.get("PROFILE"):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.001)
            profiler.start()
        started = time.perf_counter()
        folded = refresh_trends()
        elapsed = time.perf_counter() - started
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
        print(f"{inserted} likes -> {folded} in {elapsed * 1000:.0f} ms; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
