"""Moderation listens to the apps below it (DESIGN.md: lower app announces a fact)."""

from django.db import transaction


def on_video_saved(sender, instance, created, **kwargs):
    """A video published as `held` (its generation's policy said hold) enters the queue."""
    from feed.models import Video

    if instance.status != Video.Status.HELD:
        return
    video_id = instance.pk
    transaction.on_commit(lambda: _enqueue(video_id))


def _enqueue(video_id):
    from feed.models import Video
    from moderation.services import enqueue_held_video

    video = Video.objects.select_related("author", "job").filter(pk=video_id).first()
    if video is not None and video.status == Video.Status.HELD:
        enqueue_held_video(video)
