import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from config.startup import freeze_startup_objects  # noqa: E402 - needs the app loaded

freeze_startup_objects()
