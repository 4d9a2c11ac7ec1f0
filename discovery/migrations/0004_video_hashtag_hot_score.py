"""The video's hot score on each of its hashtag rows, their (hashtag, -hot_score, -id) index,
and the trigger that keeps the copy equal to feed_video.hot_score.

The trigger fires on every UPDATE that changes a video's hot_score (like, unlike, comment,
remix, refresh_hot_scores) and rewrites that video's rows through video_hashtag_unique
(video, hashtag). Rows are inserted with the video's score by discovery.services, with the
video row new or locked, so no change falls between the read and the insert.
"""

from django.db import migrations, models

CREATE_SQL = [
    """
CREATE OR REPLACE FUNCTION discovery_video_hashtag_hot_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE discovery_videohashtag SET hot_score = NEW.hot_score WHERE video_id = NEW.id;
    RETURN NULL;
END;
$$;
""",
    "DROP TRIGGER IF EXISTS discovery_video_hashtag_hot ON feed_video;",
    """
CREATE TRIGGER discovery_video_hashtag_hot
    AFTER UPDATE OF hot_score ON feed_video
    FOR EACH ROW
    WHEN (NEW.hot_score IS DISTINCT FROM OLD.hot_score)
    EXECUTE FUNCTION discovery_video_hashtag_hot_sync();
""",
    """
UPDATE discovery_videohashtag l SET hot_score = v.hot_score
  FROM feed_video v WHERE v.id = l.video_id AND l.hot_score IS DISTINCT FROM v.hot_score;
""",
]
SQLITE_CREATE_SQL = [
    "DROP TRIGGER IF EXISTS discovery_video_hashtag_hot;",
    """
CREATE TRIGGER discovery_video_hashtag_hot
    AFTER UPDATE OF hot_score ON feed_video
    FOR EACH ROW
    WHEN NEW.hot_score IS NOT OLD.hot_score
BEGIN
    UPDATE discovery_videohashtag SET hot_score = NEW.hot_score WHERE video_id = NEW.id;
END;
""",
    """
UPDATE discovery_videohashtag
   SET hot_score = (SELECT v.hot_score FROM feed_video v
                     WHERE v.id = discovery_videohashtag.video_id);
""",
]
DROP_SQL = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS discovery_video_hashtag_hot ON feed_video;",
        "DROP FUNCTION IF EXISTS discovery_video_hashtag_hot_sync();",
    ],
    "sqlite": ["DROP TRIGGER IF EXISTS discovery_video_hashtag_hot;"],
}


def create_trigger_and_backfill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"postgresql": CREATE_SQL, "sqlite": SQLITE_CREATE_SQL}.get(vendor, []):
        schema_editor.execute(sql, None)


def drop_trigger(apps, schema_editor):
    for sql in DROP_SQL.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0003_search_popularity"),
    ]

    operations = [
        migrations.AddField(
            model_name="videohashtag",
            name="hot_score",
            field=models.FloatField(default=0),
        ),
        migrations.RunPython(create_trigger_and_backfill, drop_trigger),
        migrations.AddIndex(
            model_name="videohashtag",
            index=models.Index(fields=["hashtag", "-hot_score", "-id"], name="video_hashtag_top"),
        ),
    ]
