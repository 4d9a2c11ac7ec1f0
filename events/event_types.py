"""The event types of the outbox: what webhooks subscribe to (API.md v1.1, "Events").

`video.completed` / `video.failed` keep OpenAI's names and payload shape (a job the policy
blocks is `video.failed`, as `/v1` shows it `failed`); the others are Cutaway's own.
"""

from django.db import models


class EventType(models.TextChoices):
    VIDEO_COMPLETED = "video.completed"  # a generation job succeeded (to its owner)
    VIDEO_FAILED = "video.failed"  # a job failed or was blocked by the policy
    VIDEO_PUBLISHED = "video.published"  # the author published a video
    CAMEO_USED = "cameo.used"  # someone used my cameo (a job, or a published video)
    VIDEO_LIKED = "video.liked"  # someone liked my video
    COMMENT_CREATED = "comment.created"  # a comment on my video, or a reply to mine
    USER_FOLLOWED = "user.followed"  # someone followed me
    MODERATION_ACTION = "moderation.action"  # a moderation outcome about my content/account


# The types whose body is OpenAI's event object `{id, object, type, created_at, data: {id}}`,
# so a server written against the openai SDK (`client.webhooks.unwrap`) reads them as sent.
OPENAI_SHAPED = frozenset({EventType.VIDEO_COMPLETED, EventType.VIDEO_FAILED})
