from django.contrib import admin

from feed.models import Comment, Video


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    """Status and visibility are read-only here: putting a video back or widening its
    audience must re-check consent, so it goes through the moderation queue's actions
    (feed.services.restore_video) or the author's PATCH, never a bare field edit."""

    list_display = (
        "id",
        "author",
        "status",
        "visibility",
        "like_count",
        "hot_score",
        "published_at",
    )
    list_filter = ("status", "visibility")
    search_fields = ("id", "author__handle", "caption")
    raw_id_fields = ("author", "job", "remix_of")
    readonly_fields = (
        "status",
        "status_reason",
        "visibility",
        "like_count",
        "comment_count",
        "remix_count",
        "view_count",
        "hot_score",
    )


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("id", "video", "author", "is_removed", "created_at")
    list_filter = ("is_removed",)
    raw_id_fields = ("video", "author", "parent")
