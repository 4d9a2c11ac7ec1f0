"""The floor for bench/feed.py: the feed page from one hand-written SQL query, over HTTP.

A bare WSGI callable (no Django, no ORM, no serializer) that gunicorn serves like the
project: it checks the bearer token (HS256, the project's signing key), runs FLOOR_SQL
through psycopg on a per-worker connection and returns the rows as JSON.
"""

import json
import os

import jwt
import psycopg

FLOOR_SQL = """
SELECT v.id, v.caption, v.visibility, v.duration, v.width, v.height, v.like_count,
       v.comment_count, v.remix_count, v.view_count, v.remix_of_id, v.published_at,
       u.id, u.handle, u.display_name, u.avatar, j.video_file, j.thumbnail_file,
       EXISTS (SELECT 1 FROM feed_like l WHERE l.video_id = v.id AND l.user_id = %(me)s),
       (SELECT array_agg(o.handle) FROM generation_jobcameo jc
          JOIN accounts_cameo c ON c.id = jc.cameo_id
          JOIN accounts_user o ON o.id = c.owner_id WHERE jc.job_id = v.job_id)
FROM feed_video v
JOIN accounts_user u ON u.id = v.author_id
JOIN generation_generationjob j ON j.id = v.job_id
WHERE v.status = 'published' AND v.visibility = 'public' AND v.author_id <> %(me)s
  AND v.author_id NOT IN (SELECT blocked_id FROM accounts_block WHERE blocker_id = %(me)s)
  AND v.author_id NOT IN (SELECT blocker_id FROM accounts_block WHERE blocked_id = %(me)s)
  AND v.id NOT IN (SELECT video_id FROM feed_notinterested WHERE user_id = %(me)s)
ORDER BY v.hot_score DESC, v.id DESC
LIMIT %(size)s
"""

_conn = None


def application(environ, start_response):
    global _conn
    if _conn is None:
        _conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    try:
        token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        me = int(jwt.decode(token, os.environ["SECRET_KEY"], algorithms=["HS256"])["user_id"])
    except (jwt.InvalidTokenError, KeyError, ValueError):
        start_response("401 Unauthorized", [("Content-Type", "application/json")])
        return [b'{"detail": "bad token"}']
    with _conn.cursor() as cur:
        cur.execute(FLOOR_SQL, {"me": me, "size": 20})
        rows = cur.fetchall()
    body = json.dumps({"results": rows}, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
