"""Receivers billing connects in BillingConfig.ready()."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.signals import user_erased


@receiver(user_erased, dispatch_uid="billing.close_account_for_erasure")
def close_credits_of_erased_user(sender, *, user, **kwargs):
    """Inside the erasing transaction: the balance lapses (an `expiry` entry), the ledger and
    the rights statements stay as accounting records (ids and amounts only), Stripe payloads
    with the buyer's name and email are emptied."""
    from billing.services import close_account_for_erasure

    close_account_for_erasure(user)


@receiver(post_save, sender=User, dispatch_uid="billing.open_account_on_signup")
def open_credit_account(sender, *, instance, created, raw=False, **kwargs):
    """A new user starts on the default plan with SIGNUP_CREDITS (when set above zero)."""
    from django.conf import settings

    if created and not raw and settings.SIGNUP_CREDITS > 0:
        from billing.services import open_account

        open_account(instance)
