"""Row locks of feed's objects; the order they are taken in is written in config/locks.py."""

from config.locks import lock_rows
from feed.models import Video


def lock_video(video_id) -> None:
    """Serialise changes to one video's comments and counters (add_comment takes it too)."""
    lock_rows(Video.objects.filter(pk=video_id))
