from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from django.db.models.signals import post_save

        from moderation.receivers import on_video_saved

        # feed publishes a held generation as a Video with status `held`: queue it for review.
        post_save.connect(
            on_video_saved, sender="feed.Video", dispatch_uid="moderation.queue_held_video"
        )
