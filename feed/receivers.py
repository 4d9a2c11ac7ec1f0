"""feed's answers to facts announced by lower apps (connected in FeedConfig.ready)."""

from feed.services import erase_user_activity, take_down_videos_for_cameo


def on_cameo_consent_revoked(sender, cameo, actor=None, reason="", **kwargs):
    """Runs inside the revoking transaction: takedowns commit or roll back with it."""
    take_down_videos_for_cameo(cameo, reason=reason or "cameo consent revoked")


def on_user_erased(sender, user, **kwargs):
    """Runs inside the erasing transaction: the user's videos, comments and likes go with it."""
    erase_user_activity(user)
