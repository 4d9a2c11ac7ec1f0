"""Receivers generation connects in GenerationConfig.ready()."""

from django.dispatch import receiver

from accounts.signals import cameo_consent_revoked, user_erased

REVOKED_MESSAGE = "A cameo in this generation was withdrawn by its owner."


@receiver(cameo_consent_revoked, dispatch_uid="generation.cancel_jobs_using_cameo")
def cancel_jobs_using_cameo(sender, *, cameo, **kwargs):
    """Runs inside the revoking transaction, so the cancellations commit with it."""
    from generation.services import cancel_jobs_using_cameo as cancel

    cancel(cameo, reason=REVOKED_MESSAGE)


@receiver(user_erased, dispatch_uid="generation.erase_jobs_of")
def erase_jobs_of_erased_user(sender, *, user, **kwargs):
    """Runs inside the erasing transaction: the user's drafts and jobs go with the account."""
    from generation.services import erase_jobs_of

    erase_jobs_of(user)
