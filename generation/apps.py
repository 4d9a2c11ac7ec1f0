from django.apps import AppConfig


class GenerationConfig(AppConfig):
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the hook-path system checks)

        # Importing connects the signal receivers (policy's clears its cache on setting_changed).
        from generation import policy, receivers  # noqa: F401
