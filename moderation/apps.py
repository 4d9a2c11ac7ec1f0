from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save

        from moderation.groups import on_post_migrate
        from moderation.receivers import on_video_saved

        # feed publishes a held generation as a Video with status `held`: queue it for review.
        post_save.connect(
            on_video_saved, sender="feed.Video", dispatch_uid="moderation.queue_held_video"
        )
        # Keeps the moderators group after a flush; runs after auth created the permissions.
        post_migrate.connect(on_post_migrate, dispatch_uid="moderation.moderators_group")
