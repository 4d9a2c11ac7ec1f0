"""Discovery: hashtags taken from captions, who follows them, the search documents of videos,
and trends (candidates computed from engagement, shown only once a moderator approved them).
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class Hashtag(models.Model):
    """One tag, stored case-folded (feed.captions.normalize_tag), unique.

    `video_count` counts the published videos carrying it (any audience); it is kept by
    discovery.services in the transaction that publishes, edits, hides, restores or takes
    a video down.
    """

    name = models.CharField(max_length=50, unique=True)
    video_count = models.PositiveIntegerField(default=0)
    follower_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~models.Q(name=""), name="hashtag_name")]

    def __str__(self) -> str:
        return f"#{self.name}"


class VideoHashtag(models.Model):
    """A video carries a tag in its caption (rows rewritten on publish and caption edit).

    `hot_score` is the video's, kept equal by a trigger on feed_video (migration 0004), so a
    hashtag's `top` page walks (hashtag, -hot_score, -id) instead of sorting every video of
    the tag: 680 ms for #fyp (264k videos of 1M) as a sort, an index walk of 21 rows now.
    A like rewrites these rows (2–3 per video in the seeded catalogue) besides the video's.
    """

    # video_hashtag_unique (video, hashtag) serves the per-video lookups.
    video = models.ForeignKey(
        "feed.Video", on_delete=models.CASCADE, related_name="hashtag_links", db_index=False
    )
    hashtag = models.ForeignKey(
        Hashtag, on_delete=models.CASCADE, related_name="video_links", db_index=False
    )
    # The video's published_at (fixed once published), so the hashtag page's "new" order and
    # the for-you candidates of followed tags walk one index without touching feed_video.
    published_at = models.DateTimeField()
    hot_score = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "hashtag"], name="video_hashtag_unique")
        ]
        indexes = [
            models.Index(fields=["hashtag", "-published_at", "-id"], name="video_hashtag_new"),
            models.Index(fields=["hashtag", "-hot_score", "-id"], name="video_hashtag_top"),
        ]


class HashtagFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "hashtag"], name="hashtag_follow_unique")
        ]


class VideoDocument(models.Model):
    """What video search matches: caption (hashtags included), creator handle and name.

    Its own table rather than a generated column on feed_video: every like rewrites the video
    row (hot_score), and a tsvector there would be re-indexed in the GIN index on each like.
    Written in the transaction that publishes a video or edits its caption.
    `document` (PostgreSQL: to_tsvector('simple', …), GIN-indexed by migration 0002) and
    `words` (the case-folded words, space separated: the SQLite fallback) hold the same words.

    `popularity` is the video's popularity class, ⌊4 · log10(1 + engagement)⌋ (engagement as
    feed.ranking counts it): search walks the (-popularity, -video_id) index to pick its
    candidates (discovery/search.py); the index carries the document (INCLUDE, PostgreSQL),
    so the walk tests each document against the query without reading the table (an index-only
    scan: 1.6 ms instead of 9.7 ms for 400 candidates of a word on 6% of 100k videos). A
    trigger on feed_video keeps it exact (migration 0003); it changes only when a counter
    crosses a class boundary (about four times per tenfold growth), so a like rarely rewrites
    this row and its GIN entries.
    """

    video = models.OneToOneField(
        "feed.Video", on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    document = SearchVectorField(null=True)
    words = models.TextField(blank=True)
    popularity = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["-popularity", "-video"],
                name="video_document_popular",
                include=["document"],
            ),
        ]


class TrendStat(models.Model):
    """Exponentially decayed like counts of one hashtag or video, kept in log form so that an
    update touches only the rows that new likes concern (discovery/trends.py)."""

    class Kind(models.TextChoices):
        HASHTAG = "hashtag"
        VIDEO = "video"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, null=True, related_name="+")
    video = models.ForeignKey("feed.Video", on_delete=models.CASCADE, null=True, related_name="+")
    fast_log = models.FloatField()
    slow_log = models.FloatField()
    likes = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hashtag"], name="trend_stat_hashtag"),
            models.UniqueConstraint(fields=["video"], name="trend_stat_video"),
            models.CheckConstraint(
                condition=models.Q(kind="hashtag", hashtag__isnull=False, video__isnull=True)
                | models.Q(kind="video", video__isnull=False, hashtag__isnull=True),
                name="trend_stat_target",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-fast_log"], name="trend_stat_rising")]


class TrendCursor(models.Model):
    """How far the trends refresh has read a source table (likes: the last Like id seen)."""

    name = models.CharField(max_length=20, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)


class Trend(models.Model):
    """A trend candidate and the moderator's decision on it (Mastodon's rule: nothing trends
    publicly before a person approved it). One row per hashtag or video."""

    class Kind(models.TextChoices):
        HASHTAG = "hashtag"
        VIDEO = "video"

    class Status(models.TextChoices):
        PENDING = "pending", "pending review"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXPIRED = "expired"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    hashtag = models.ForeignKey(Hashtag, on_delete=models.CASCADE, null=True, related_name="+")
    video = models.ForeignKey("feed.Video", on_delete=models.CASCADE, null=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    score = models.FloatField(default=0, help_text="Likes per hour above the daily rate.")
    recent_likes = models.FloatField(default=0, help_text="Decayed likes of the last hour.")
    teen_safe = models.BooleanField(
        default=False, help_text="Shown to accounts under 18 (and signed-out visitors)."
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [("review_trend", "Can approve or reject trends")]
        constraints = [
            models.UniqueConstraint(fields=["hashtag"], name="trend_hashtag"),
            models.UniqueConstraint(fields=["video"], name="trend_video"),
            models.CheckConstraint(
                condition=models.Q(kind="hashtag", hashtag__isnull=False, video__isnull=True)
                | models.Q(kind="video", video__isnull=False, hashtag__isnull=True),
                name="trend_target",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved") | models.Q(expires_at__isnull=False),
                name="trend_approved_expires",
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="trend_status_score")]

    def __str__(self) -> str:
        if self.kind == self.Kind.HASHTAG:
            return f"#{self.hashtag.name}" if self.hashtag_id else "hashtag trend"
        return f"video {self.video_id}"
