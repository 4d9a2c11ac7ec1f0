"""events' answers to facts announced by accounts (connected in EventsConfig.ready)."""

from events.services.webhooks import erase_user_webhooks


def on_user_erased(sender, user, **kwargs):
    """Inside the erasing transaction: the user's webhooks, deliveries, log and events go."""
    erase_user_webhooks(user)
