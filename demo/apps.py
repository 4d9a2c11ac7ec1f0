from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo world `make run` loads: real users, a real cameo, real rendered videos."""

    name = "demo"
    verbose_name = "Demo world"
