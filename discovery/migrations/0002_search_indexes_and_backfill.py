"""PostgreSQL search indexes (pg_trgm, GIN) and the hashtag rows of videos published before
discovery existed.

`fastupdate = off`: a GIN pending list makes the planner price the index as a scan of that
list (seen here: a freshly loaded pending list turned every search into a sequential scan),
and publishing writes one document at a time anyway.

The indexes are PostgreSQL-only (the SQLite fallback scans), so they are created here rather
than declared on the models. The trigram indexes on accounts_user serve user search: they
belong to discovery's queries, not to the accounts model.
"""

from django.db import migrations
from django.db.models import F

PG_INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS discovery_videodocument_gin ON discovery_videodocument"
    " USING gin (document) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS discovery_hashtag_name_trgm ON discovery_hashtag"
    " USING gin (name gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS discovery_user_handle_trgm ON accounts_user"
    " USING gin (handle gin_trgm_ops) WITH (fastupdate = off)",
    "CREATE INDEX IF NOT EXISTS discovery_user_display_name_trgm ON accounts_user"
    " USING gin (display_name gin_trgm_ops) WITH (fastupdate = off)",
]
PG_DROP = [
    "DROP INDEX IF EXISTS discovery_user_display_name_trgm",
    "DROP INDEX IF EXISTS discovery_user_handle_trgm",
    "DROP INDEX IF EXISTS discovery_hashtag_name_trgm",
    "DROP INDEX IF EXISTS discovery_videodocument_gin",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_INDEXES:
            schema_editor.execute(sql)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_DROP:
            schema_editor.execute(sql)


def backfill(apps, schema_editor):
    """Hashtag rows, counts and search documents of the videos that exist already."""
    from discovery.search import words_of
    from feed.captions import parse_hashtags

    Video = apps.get_model("feed", "Video")
    Hashtag = apps.get_model("discovery", "Hashtag")
    VideoHashtag = apps.get_model("discovery", "VideoHashtag")
    VideoDocument = apps.get_model("discovery", "VideoDocument")
    postgres = schema_editor.connection.vendor == "postgresql"
    videos = Video.objects.exclude(status="deleted").select_related("author").order_by("pk")
    for video in videos.iterator(chunk_size=2000):
        names = parse_hashtags(video.caption)
        for name in names:
            tag, _ = Hashtag.objects.get_or_create(name=name)
            VideoHashtag.objects.get_or_create(
                video_id=video.pk, hashtag=tag, defaults={"published_at": video.published_at}
            )
            if video.status == "published":
                Hashtag.objects.filter(pk=tag.pk).update(video_count=F("video_count") + 1)
        words = " ".join(
            words_of(video.caption)
            + words_of(video.author.handle)
            + words_of(video.author.display_name)
        )
        VideoDocument.objects.update_or_create(video_id=video.pk, defaults={"words": words})
    if postgres:
        schema_editor.execute(
            "UPDATE discovery_videodocument SET document = to_tsvector('simple', words)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0001_initial"),
        ("accounts", "0003_notification_recipient_index"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
