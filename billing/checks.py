"""The billing settings checked again at `manage.py check` (and so at runserver and migrate):
config/settings.py refuses to load bad values from the environment; this catches values set
afterwards (a settings module that overrides them)."""

from django.conf import settings
from django.core.checks import Error, register

from billing.conf import BillingSettingsError, validate_billing_settings


@register()
def check_billing_settings(app_configs=None, **kwargs):
    try:
        validate_billing_settings(
            plans=settings.PLANS,
            prices=settings.CREDIT_PRICES,
            packs=settings.CREDIT_PACKS,
            signup_credits=settings.SIGNUP_CREDITS,
            default_share=settings.RIGHTS_DEFAULT_SHARE_PERCENT,
        )
    except BillingSettingsError as error:
        return [Error(str(error), id="cutaway.E020")]
    return []
