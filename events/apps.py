from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events and webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts.signals import user_erased
        from events.receivers import on_user_erased

        user_erased.connect(on_user_erased, dispatch_uid="events.erase_user_webhooks")
