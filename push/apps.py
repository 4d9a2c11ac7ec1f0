from django.apps import AppConfig


class PushConfig(AppConfig):
    name = "push"
    verbose_name = "Push notifications"

    def ready(self):
        from accounts.signals import notifications_created, user_erased
        from push.receivers import on_notifications_created, on_user_erased

        notifications_created.connect(
            on_notifications_created, dispatch_uid="push.deliver_notifications"
        )
        user_erased.connect(on_user_erased, dispatch_uid="push.erase_devices_and_settings")
