"""Receivers generation connects in GenerationConfig.ready()."""

from django.dispatch import receiver

from accounts.signals import cameo_consent_revoked


@receiver(cameo_consent_revoked, dispatch_uid="generation.cancel_jobs_using_cameo")
def cancel_jobs_using_cameo(sender, *, cameo, reason="", **kwargs):
    """Runs inside the revoking transaction, so the cancellations commit with it."""
    from generation.services import cancel_jobs_using_cameo as _cancel

    _cancel(cameo, reason=reason or "The cameo's owner revoked consent.")
