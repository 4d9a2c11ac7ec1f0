from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "feed"
    verbose_name = "Feed"

    def ready(self):
        from accounts.signals import cameo_consent_revoked, user_erased
        from feed.receivers import on_cameo_consent_revoked, on_user_erased

        cameo_consent_revoked.connect(
            on_cameo_consent_revoked, dispatch_uid="feed.take_down_videos_for_cameo"
        )
        user_erased.connect(on_user_erased, dispatch_uid="feed.erase_user_activity")
