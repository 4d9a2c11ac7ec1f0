"""Facts feed announces to the apps above it (DESIGN.md: lower app announces a fact).

`video_held` is sent after the transaction that wrote a held video commits (a rolled-back
publish or edit announces nothing). Receiver: moderation queues the video for review.
"""

from django.db import transaction
from django.dispatch import Signal

# kwargs: video_id (UUID)
video_held = Signal()


def announce_video_held(video_id) -> None:
    """Send `video_held` for `video_id` once the current transaction commits."""
    transaction.on_commit(lambda: video_held.send(sender="feed.Video", video_id=video_id))


# Sent synchronously inside the transaction that wrote the change, so a receiver's writes
# (discovery's hashtag rows and search document) commit or roll back with it.
# kwargs: video (Video, saved) — a video was published or its caption was edited.
video_caption_changed = Signal()
# kwargs: video_ids (list of UUIDs) — these videos' status changed (hidden, restored, taken
# down, deleted): whatever counts only live videos must be recounted.
videos_status_changed = Signal()


def announce_caption_changed(video) -> None:
    video_caption_changed.send(sender="feed.Video", video=video)


def announce_status_changed(video_ids) -> None:
    video_ids = list(video_ids)
    if video_ids:
        videos_status_changed.send(sender="feed.Video", video_ids=video_ids)
