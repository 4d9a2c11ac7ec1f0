from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Credits and rights holders"

    def ready(self) -> None:
        # Importing connects the receivers (erasure, signup credits) and the settings check.
        from billing import checks, receivers  # noqa: F401
