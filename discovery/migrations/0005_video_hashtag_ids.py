"""feed_video.hashtag_ids: the ids of the video's hashtags, a copy of its discovery_videohashtag
rows kept exact by triggers (PostgreSQL only).

The for-you candidates tell whether each row carries a tag the caller follows
(discovery/interests.py). As a probe of discovery_videohashtag per candidate that cost
~5 µs a row at 1M videos: ~3 ms of a first page for ~580 candidates, since likes rewrite the
rows (their hot_score) and the probes visit the heap. Read from the candidate's own row, it is
an array overlap on a row already fetched.

Statement triggers with transition tables recompute the array of every video a statement's
inserted or deleted rows touch: once per video and statement, whichever path wrote the rows
(discovery.services, a COPY, a test's SQL). A row re-pointed to another video or tag (nothing
does it today) recomputes both videos, by a row trigger: PostgreSQL allows no transition
table beside a column list, and without the list every like's hot_score rewrite (the
trigger of migration 0004) would fire it. The column is not on the Video model: feed knows nothing
of hashtags, and no ORM write sets it. SQLite keeps the per-row probe.
"""

from django.db import migrations

CREATE_SQL = [
    "ALTER TABLE feed_video ADD COLUMN hashtag_ids bigint[] NOT NULL DEFAULT '{}';",
    """
CREATE FUNCTION discovery_video_hashtag_ids_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_video v SET hashtag_ids = ARRAY(
        SELECT l.hashtag_id FROM discovery_videohashtag l WHERE l.video_id = v.id ORDER BY 1)
    WHERE v.id IN (SELECT video_id FROM changed_rows);
    RETURN NULL;
END;
$$;
""",
    """
CREATE FUNCTION discovery_video_hashtag_ids_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE feed_video v SET hashtag_ids = ARRAY(
        SELECT l.hashtag_id FROM discovery_videohashtag l WHERE l.video_id = v.id ORDER BY 1)
    WHERE v.id IN (OLD.video_id, NEW.video_id);
    RETURN NULL;
END;
$$;
""",
    """
CREATE TRIGGER discovery_video_hashtag_ids_insert
    AFTER INSERT ON discovery_videohashtag REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION discovery_video_hashtag_ids_sync();
""",
    """
CREATE TRIGGER discovery_video_hashtag_ids_delete
    AFTER DELETE ON discovery_videohashtag REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION discovery_video_hashtag_ids_sync();
""",
    """
CREATE TRIGGER discovery_video_hashtag_ids_update
    AFTER UPDATE OF video_id, hashtag_id ON discovery_videohashtag FOR EACH ROW
    WHEN (OLD.video_id IS DISTINCT FROM NEW.video_id OR OLD.hashtag_id IS DISTINCT FROM NEW.hashtag_id)
    EXECUTE FUNCTION discovery_video_hashtag_ids_moved();
""",
    """
UPDATE feed_video v SET hashtag_ids = t.ids
  FROM (SELECT video_id, array_agg(hashtag_id ORDER BY hashtag_id) AS ids
          FROM discovery_videohashtag GROUP BY video_id) t
 WHERE t.video_id = v.id;
""",
]

DROP_SQL = [
    "DROP TRIGGER IF EXISTS discovery_video_hashtag_ids_insert ON discovery_videohashtag;",
    "DROP TRIGGER IF EXISTS discovery_video_hashtag_ids_delete ON discovery_videohashtag;",
    "DROP TRIGGER IF EXISTS discovery_video_hashtag_ids_update ON discovery_videohashtag;",
    "DROP FUNCTION IF EXISTS discovery_video_hashtag_ids_sync();",
    "DROP FUNCTION IF EXISTS discovery_video_hashtag_ids_moved();",
    "ALTER TABLE feed_video DROP COLUMN IF EXISTS hashtag_ids;",
]


def create_column_and_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE_SQL:
            schema_editor.execute(sql, None)


def drop_column_and_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP_SQL:
            schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0004_video_hashtag_hot_score"),
    ]

    operations = [
        migrations.RunPython(create_column_and_triggers, drop_column_and_triggers),
    ]
