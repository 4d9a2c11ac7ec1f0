from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "discovery"
    verbose_name = "Discovery"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models import CharField

        from discovery import receivers
        from discovery.search import TrigramSimilar, register_sqlite_functions
        from feed.signals import video_caption_changed, videos_status_changed

        CharField.register_lookup(TrigramSimilar)
        # The SQLite fallback's similarity() and web-search match (discovery/search.py).
        connection_created.connect(register_sqlite_functions, dispatch_uid="discovery.sqlite")

        # feed (the lower app) announces caption and status changes inside its transaction.
        video_caption_changed.connect(
            receivers.on_video_caption_changed, dispatch_uid="discovery.sync_video_hashtags"
        )
        videos_status_changed.connect(
            receivers.on_videos_status_changed, dispatch_uid="discovery.recount_hashtags"
        )
