from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from django.db.models.signals import post_migrate

        from accounts.signals import user_erased
        from feed.signals import video_held
        from moderation import checks  # noqa: F401  (registers the system checks)
        from moderation.groups import on_post_migrate
        from moderation.receivers import on_user_erased, on_video_held

        # feed publishes (or an edit holds) a video with status `held`: queue it for review.
        video_held.connect(on_video_held, dispatch_uid="moderation.queue_held_video")
        # DELETE me (inside its transaction): the account is no longer paid as a rights holder.
        user_erased.connect(on_user_erased, dispatch_uid="moderation.drop_erased_rights_holder")
        # Keeps the moderators group after a flush; runs after auth created the permissions.
        post_migrate.connect(on_post_migrate, dispatch_uid="moderation.moderators_group")
