"""The popularity class of each search document, its index, and the trigger that keeps it
exact when a video's counters change.

popularity = ⌊4 · log10(1 + likes + 2 · comments + 3 · remixes)⌋ (feed.ranking's engagement
weights at the time of writing): the SQL function discovery_video_popularity, on PostgreSQL a
SQL function created here, on SQLite discovery.search.popularity_class registered on each
connection (discovery.search.register_sqlite_functions). The trigger fires only when an UPDATE
of a counter moves the video into another class, so most likes do not touch the document row
(and its GIN entries) at all.
"""

from django.db import migrations, models

CREATE_SQL = [
    """
CREATE OR REPLACE FUNCTION discovery_video_popularity(likes integer, comments integer,
                                                      remixes integer)
RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(4 * log((1 + likes + 2 * comments + 3 * remixes)::double precision))::smallint
$$;
""",
    """
CREATE OR REPLACE FUNCTION discovery_video_popularity_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE discovery_videodocument
       SET popularity = discovery_video_popularity(NEW.like_count, NEW.comment_count,
                                                   NEW.remix_count)
     WHERE video_id = NEW.id;
    RETURN NULL;
END;
$$;
""",
    "DROP TRIGGER IF EXISTS discovery_video_popularity ON feed_video;",
    """
CREATE TRIGGER discovery_video_popularity
    AFTER UPDATE OF like_count, comment_count, remix_count ON feed_video
    FOR EACH ROW
    WHEN (discovery_video_popularity(NEW.like_count, NEW.comment_count, NEW.remix_count)
          IS DISTINCT FROM
          discovery_video_popularity(OLD.like_count, OLD.comment_count, OLD.remix_count))
    EXECUTE FUNCTION discovery_video_popularity_sync();
""",
    """
UPDATE discovery_videodocument d
   SET popularity = discovery_video_popularity(v.like_count, v.comment_count, v.remix_count)
  FROM feed_video v
 WHERE v.id = d.video_id
   AND d.popularity <> discovery_video_popularity(v.like_count, v.comment_count, v.remix_count);
""",
]
SQLITE_CREATE_SQL = [
    "DROP TRIGGER IF EXISTS discovery_video_popularity;",
    """
CREATE TRIGGER discovery_video_popularity
    AFTER UPDATE OF like_count, comment_count, remix_count ON feed_video
    FOR EACH ROW
    WHEN discovery_video_popularity(NEW.like_count, NEW.comment_count, NEW.remix_count)
         IS NOT discovery_video_popularity(OLD.like_count, OLD.comment_count, OLD.remix_count)
BEGIN
    UPDATE discovery_videodocument
       SET popularity = discovery_video_popularity(NEW.like_count, NEW.comment_count,
                                                   NEW.remix_count)
     WHERE video_id = NEW.id;
END;
""",
    """
UPDATE discovery_videodocument
   SET popularity = (
       SELECT discovery_video_popularity(v.like_count, v.comment_count, v.remix_count)
         FROM feed_video v WHERE v.id = discovery_videodocument.video_id);
""",
]
DROP_SQL = [
    "DROP TRIGGER IF EXISTS discovery_video_popularity ON feed_video;",
    "DROP FUNCTION IF EXISTS discovery_video_popularity_sync();",
    "DROP FUNCTION IF EXISTS discovery_video_popularity(integer, integer, integer);",
]


def create_trigger_and_backfill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        for sql in CREATE_SQL if vendor == "postgresql" else SQLITE_CREATE_SQL:
            schema_editor.execute(sql, None)


def drop_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for sql in DROP_SQL:
            schema_editor.execute(sql, None)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS discovery_video_popularity;", None)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0002_search_indexes_and_backfill"),
        ("feed", "0005_view_once_per_window"),
    ]

    operations = [
        migrations.AddField(
            model_name="videodocument",
            name="popularity",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddIndex(
            model_name="videodocument",
            index=models.Index(
                fields=["-popularity", "-video"],
                name="video_document_popular",
                include=["document"],
            ),
        ),
        migrations.RunPython(create_trigger_and_backfill, drop_trigger),
    ]
