from django.core.management.base import BaseCommand

from config.celery import app as celery_app
from demo.world import build_demo_world, demo_exists


class Command(BaseCommand):
    help = "Load the demo world (users, a cameo, rendered videos) once, and print the logins."

    def handle(self, *args, **options):
        # Verification and rendering run inline here: the worker starts after the demo loads.
        celery_app.conf.task_always_eager = True
        if not demo_exists():
            self.stdout.write("Loading the demo world (renders real clips, ~30 s) …")
        logins = build_demo_world(log=self.stdout.write)
        self.stdout.write(f"\n  Demo logins (password for all: {logins[0].password})")
        for login in logins:
            self.stdout.write(f"    {login.handle:<6} {login.role}")
