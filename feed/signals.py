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
