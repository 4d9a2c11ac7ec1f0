"""Settings for the real Celery worker processes the fault tests start.

tests.settings forces eager tasks for the in-process suite; a real worker must enqueue for
real (the sweep it runs sends jobs to the broker, as beat's sweep does in production).
"""

from tests.settings import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
