"""Moderation listens to the apps below it (DESIGN.md: lower app announces a fact)."""

from feed.models import Video
from moderation.services import enqueue_held_video


def on_video_held(sender, video_id, **kwargs):
    """A video feed announced as `held` (sent after commit) enters the review queue, unless
    it left that state since."""
    video = Video.objects.select_related("author", "job").filter(pk=video_id).first()
    if video is not None and video.status == Video.Status.HELD:
        enqueue_held_video(video)


def on_user_erased(sender, *, user, **kwargs):
    """An erased account stops being a rights holder: its entities keep their opt-in but pay
    no new revenue share (the statements it earned stay, as accounting records)."""
    from moderation.models import ProtectedEntity

    ProtectedEntity.objects.filter(rights_holder_account=user).update(rights_holder_account=None)
