"""The floors for bench/feed.py: a feed page from one hand-written SQL query, over HTTP.

A bare WSGI callable (no Django, no ORM, no serializer) that gunicorn serves like the
project: it checks the bearer token (HS256, the project's signing key), runs one query
through psycopg on a per-worker connection and returns the rows as JSON.

- `/feed`: FLOOR_SQL, a page of the global hot list with the page's joins — the work of a
  next page (ours slices a ranked session and fetches the page).
- `/feed/ranked`: RANKED_FLOOR_SQL, the work of a first page in one statement — the same
  candidates (top 400 by hot score, followed authors' newest 100, remixes of recent likes),
  the same filters and personal score (feed/ranking.py) computed in SQL, the best 20 with the
  page's joins. Cheaper than ours by construction: no diversity rule (a greedy pass over
  the whole ranked list does not fit one query) and no session kept for the next pages.
"""

import json
import os

import jwt
import psycopg

# Rows the for-you feed may show the caller, as in feed.selectors.feed_base.
_NOT_EXCLUDED = """
  v.status = 'published' AND v.author_id <> %(me)s
  AND v.author_id NOT IN (SELECT blocked_id FROM accounts_block WHERE blocker_id = %(me)s)
  AND v.author_id NOT IN (SELECT blocker_id FROM accounts_block WHERE blocked_id = %(me)s)
  AND v.id NOT IN (SELECT video_id FROM feed_notinterested WHERE user_id = %(me)s)
"""


def _page_of(source: str) -> str:
    """A page's columns (the serializer's fields, liked_by_me, cameo handles) from `source`."""
    return f"""
SELECT v.id, v.caption, v.visibility, v.duration, v.width, v.height, v.like_count,
       v.comment_count, v.remix_count, v.view_count, v.remix_of_id, v.published_at,
       u.id, u.handle, u.display_name, u.avatar, j.video_file, j.thumbnail_file,
       EXISTS (SELECT 1 FROM feed_like l WHERE l.video_id = v.id AND l.user_id = %(me)s),
       (SELECT array_agg(o.handle) FROM generation_jobcameo jc
          JOIN accounts_cameo c ON c.id = jc.cameo_id
          JOIN accounts_user o ON o.id = c.owner_id WHERE jc.job_id = v.job_id)
FROM {source} v
JOIN accounts_user u ON u.id = v.author_id
JOIN generation_generationjob j ON j.id = v.job_id
"""  # noqa: S608 - constant fragments only


FLOOR_SQL = (
    _page_of("feed_video")
    + f"WHERE v.visibility = 'public' AND {_NOT_EXCLUDED}"
    + "ORDER BY v.hot_score DESC, v.id DESC LIMIT %(size)s"
)

RANKED_FLOOR_SQL = f"""
WITH followed AS (SELECT followee_id FROM accounts_follow WHERE follower_id = %(me)s),
liked AS MATERIALIZED (
  SELECT l.video_id, lv.author_id FROM feed_like l JOIN feed_video lv ON lv.id = l.video_id
  WHERE l.user_id = %(me)s ORDER BY l.created_at DESC LIMIT 200),
candidates AS (
  (SELECT v.id FROM feed_video v WHERE v.visibility = 'public' AND {_NOT_EXCLUDED}
   ORDER BY v.hot_score DESC, v.id DESC LIMIT 400)
  UNION
  (SELECT v.id FROM feed_video v WHERE v.id = ANY(ARRAY(
     SELECT r.id FROM followed f CROSS JOIN LATERAL (
       SELECT id, published_at FROM feed_video WHERE author_id = f.followee_id
         AND status = 'published' AND visibility IN ('public', 'followers')
       ORDER BY published_at DESC, id DESC LIMIT 10) r
     ORDER BY r.published_at DESC, r.id DESC LIMIT 100)) AND {_NOT_EXCLUDED})
  UNION
  (SELECT v.id FROM feed_video v WHERE v.remix_of_id IN (SELECT video_id FROM liked)
     AND v.id NOT IN (SELECT video_id FROM liked) AND {_NOT_EXCLUDED}
     AND (v.visibility = 'public' OR (v.visibility = 'followers'
          AND v.author_id IN (SELECT followee_id FROM followed)))
   ORDER BY v.hot_score DESC, v.id DESC LIMIT 50)),
scored AS (
  SELECT v.*, v.hot_score
    + CASE WHEN v.author_id IN (SELECT followee_id FROM followed) THEN 0.6
           WHEN v.author_id IN (SELECT author_id FROM liked) THEN 0.3 ELSE 0 END
    + CASE WHEN v.remix_of_id IN (SELECT video_id FROM liked) THEN 0.3 ELSE 0 END
    + CASE WHEN v.view_count >= 5 AND v.duration > 0 THEN 0.4 * (LEAST(GREATEST(
        v.watch_ms_total / (v.view_count * v.duration * 1000), 0), 1) - 0.5) ELSE 0 END
    + CASE WHEN EXISTS (SELECT 1 FROM feed_view w WHERE w.user_id = %(me)s
                        AND w.video_id = v.id) THEN -1.0 ELSE 0 END AS score
  FROM feed_video v WHERE v.id IN (SELECT id FROM candidates)),
best AS MATERIALIZED (SELECT * FROM scored ORDER BY score DESC, id DESC LIMIT %(size)s)
{_page_of("best")}ORDER BY v.score DESC, v.id DESC
"""  # noqa: S608 - constant fragments only; every value is a parameter

QUERIES = {"/feed": FLOOR_SQL, "/feed/ranked": RANKED_FLOOR_SQL}

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
    sql = QUERIES.get(environ.get("PATH_INFO", ""))
    if sql is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"detail": "not found"}']
    with _conn.cursor() as cur:
        cur.execute(sql, {"me": me, "size": 20})
        rows = cur.fetchall()
    body = json.dumps({"results": rows}, default=str).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
