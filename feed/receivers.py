"""feed's answers to facts announced by lower apps (connected in FeedConfig.ready)."""

from feed.services import take_down_videos_for_cameo


def on_cameo_consent_revoked(sender, cameo, actor=None, reason="", **kwargs):
    """Runs inside the revoking transaction: takedowns commit or roll back with it."""
    take_down_videos_for_cameo(cameo, reason=reason or "cameo consent revoked")
