"""Push fan-out: one published video's notifications to 10,000 devices, commit to last delivery.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cutaway_push \\
    REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/push.py --devices 10000 --likes 300

Seeds N recipients (handles `pb_…`), each with one WebPush subscription on a loopback push
service (tests/push/servers.py: a threaded HTTP server answering 201), then in one
transaction writes one notification per recipient (kind `remix` with the video's id: the
shape the events lane's `video.published` fan-out will write) and announces them with
`notifications_created`. Delivery runs in this process (Celery eager: one task per
PUSH_BATCH_SIZE notifications, one after another; a worker pool would run batches in parallel)
and really encrypts (aes128gcm), signs (VAPID ES256) and POSTs each push over loopback HTTP.
Measured: seconds from COMMIT to the push service's last received push, and pushes/s.

Then the cost push adds to a like (in-process `like_video`, DB + broker, no HTTP): p50/p95 of
--likes likes each, interleaved: with push's receiver connected and the video's author owning
a device (the like's CTE returns the notification id; after commit the receiver checks for a
device, one query, and publishes one task message to Redis), connected and the author without
a device (the query, no message), and disconnected. The task messages are purged from the
broker afterwards (no worker consumes them here).
Everything it seeded is deleted at the end.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key")
os.environ.setdefault("DEBUG", "1")
os.environ["WEBHOOK_ALLOW_PRIVATE"] = "1"
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cutaway_push")

import django  # noqa: E402

django.setup()

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Notification, User  # noqa: E402
from accounts.services.notifications import announce_notifications  # noqa: E402
from accounts.signals import notifications_created  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from push.models import Device  # noqa: E402
from push.receivers import on_notifications_created  # noqa: E402
from tests.push.servers import WebPushService  # noqa: E402

PREFIX = "pb_"


def clean() -> None:
    from feed.models import Video
    from generation.models import GenerationJob

    Video.objects.filter(author__handle__startswith=PREFIX).delete()
    GenerationJob.objects.filter(user__handle__startswith=PREFIX).delete()
    User.objects.filter(handle__startswith=PREFIX).delete()


def b64url(raw: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def seed(count: int, service: WebPushService) -> list[User]:
    browser = ec.generate_private_key(ec.SECP256R1())
    p256dh = b64url(
        browser.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    auth = b64url(os.urandom(16))
    users = User.objects.bulk_create(
        [User(handle=f"{PREFIX}{index}", email="", password="!") for index in range(count)],
        batch_size=2000,
    )
    Device.objects.bulk_create(
        [
            Device(
                user=user, platform="webpush", token=service.endpoint(), p256dh=p256dh, auth=auth
            )
            for user in users
        ],
        batch_size=2000,
    )
    return users


def fan_out(recipients: list[User], author: User, service: WebPushService) -> dict:
    celery_app.conf.task_always_eager = True
    service.received.clear()
    with transaction.atomic():
        notes = Notification.objects.bulk_create(
            [
                Notification(recipient=user, actor=author, kind="remix", data={"video": "v1"})
                for user in recipients
            ],
            batch_size=2000,
        )
        announce_notifications([note.pk for note in notes])
        started = time.perf_counter()  # the COMMIT below runs the delivery (eager)
    deadline = time.monotonic() + 600
    while len(service.received) < len(recipients) and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    return {"pushes": len(service.received), "seconds": elapsed}


def like_latency(likes: int, author: User, author_with_device: User) -> dict:
    from feed.services import like_video
    from tests.factories import VideoFactory

    celery_app.conf.task_always_eager = False
    variants = [
        ("receiver, author with a device", VideoFactory(author=author_with_device), True),
        ("receiver, author without one", VideoFactory(author=author), True),
        ("receiver disconnected", VideoFactory(author=author), False),
    ]
    likers = User.objects.bulk_create(
        [User(handle=f"{PREFIX}l{index}", email="", password="!") for index in range(3 * likes)]
    )
    timings: dict[str, list[float]] = {name: [] for name, _, _ in variants}
    for index, liker in enumerate(likers):
        name, video, connected = variants[index % len(variants)]
        if not connected:
            notifications_created.disconnect(dispatch_uid="push.deliver_notifications")
        started = time.perf_counter()
        like_video(liker, video.pk)
        elapsed = time.perf_counter() - started
        if not connected:
            notifications_created.connect(
                on_notifications_created, dispatch_uid="push.deliver_notifications"
            )
        timings[name].append(elapsed * 1000)
    celery_app.control.purge()
    return {
        name: (statistics.median(values), statistics.quantiles(values, n=20)[18])
        for name, values in timings.items()
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--likes", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    key = ec.generate_private_key(ec.SECP256R1())
    settings.VAPID_PRIVATE_KEY = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    clean()
    service = WebPushService()
    try:
        author = User.objects.create(handle=f"{PREFIX}author", email="", password="!")
        recipients = seed(args.devices, service)
        result = fan_out(recipients, author, service)
        print(f"database: {connection.vendor}, PUSH_BATCH_SIZE={settings.PUSH_BATCH_SIZE}")
        print("| devices | pushes delivered | commit → last delivery | pushes/s |")
        print("| --- | --- | --- | --- |")
        print(
            f"| {args.devices:,} | {result['pushes']:,} | {result['seconds']:.2f} s "
            f"| {result['pushes'] / result['seconds']:,.0f} |"
        )
        if args.likes:
            latency = like_latency(args.likes, author, recipients[0])
            print()
            print("| like_video, in-process | p50 ms | p95 ms |")
            print("| --- | --- | --- |")
            for name, (p50, p95) in latency.items():
                print(f"| {name} | {p50:.3f} | {p95:.3f} |")
        print(f"load average: {os.getloadavg()[0]:.2f}")
    finally:
        service.close()
        clean()


if __name__ == "__main__":
    main()
