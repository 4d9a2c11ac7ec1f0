from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = "Feed"

    def ready(self):
        from accounts.signals import cameo_consent_revoked
        from feed.receivers import on_cameo_consent_revoked

        cameo_consent_revoked.connect(
            on_cameo_consent_revoked, dispatch_uid="feed.take_down_videos_for_cameo"
        )
