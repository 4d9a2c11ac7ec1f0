"""Published videos and what people do with them: likes, comments, views, remixes."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Video(models.Model):
    class Visibility(models.TextChoices):
        PUBLIC = "public"
        FOLLOWERS = "followers"
        PRIVATE = "private"

    class Status(models.TextChoices):
        PUBLISHED = "published"
        HELD = "held", "held for review"
        REMOVED = "removed", "removed by moderation"
        TAKEN_DOWN = "taken_down", "taken down (cameo consent)"
        DELETED = "deleted", "deleted by author"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.OneToOneField(
        "generation.GenerationJob", on_delete=models.PROTECT, related_name="video"
    )
    # No single-column FK indexes where a composite index below starts with the column: every
    # like rewrites the video row into all of its indexes (hot_score is indexed, so the UPDATE
    # is never HOT), and a redundant index is a write per like for no read.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="videos", db_index=False
    )
    caption = models.CharField(max_length=500, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    status_reason = models.CharField(max_length=255, blank=True)
    remix_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="remixes",
        db_index=False,
    )
    duration = models.FloatField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    remix_count = models.PositiveIntegerField(default=0)
    view_count = models.PositiveIntegerField(default=0)
    watch_ms_total = models.BigIntegerField(default=0)
    # Global "hot" score (see feed/ranking.py); refreshed only when its inputs change.
    hot_score = models.FloatField(default=0)
    # The recency part of hot_score, fixed at publish time (feed/ranking.py), so that a
    # like can refresh hot_score in the same UPDATE that bumps like_count.
    hot_base = models.FloatField(default=0)
    score_updated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["status", "visibility", "-hot_score", "-id"]),
            models.Index(fields=["author", "-published_at", "-id"]),
            models.Index(fields=["remix_of", "-published_at"]),
            # Following feeds: the newest live videos of one author, read index-only by a
            # LATERAL walk per followed author (feed.selectors.following_ids).
            models.Index(
                fields=["author", "-published_at", "-id"],
                condition=models.Q(status="published", visibility__in=["public", "followers"]),
                name="video_author_live_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"video {self.id}"

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Like(models.Model):
    # like_unique (user, video) and the (video, -created_at) index serve the FK lookups.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="likes", db_index=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "video"], name="like_unique")]
        indexes = [
            models.Index(fields=["video", "-created_at"]),
            # A user's recent likes (ranking signals), read index-only on PostgreSQL.
            models.Index(fields=["user", "-created_at", "video"], name="like_user_recent"),
        ]


class Comment(models.Model):
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.CharField(max_length=500)
    is_removed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="comment_body_not_empty"),
        ]
        indexes = [models.Index(fields=["video", "-created_at", "-id"])]


class View(models.Model):
    """One counted view: at most one per viewer, video and FEED_VIEW_WINDOW_SECONDS window.

    `window_index` is the window's number since the epoch; the unique constraint is what
    keeps a viewer from counting twice (feed.services.record_view). Rows from before the
    window existed have none (NULLs never collide).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="views")
    watched_ms = models.PositiveIntegerField()
    window_index = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "video"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "video", "window_index"], name="view_once_per_window"
            )
        ]


class NotInterested(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "video"], name="not_interested_unique")
        ]
