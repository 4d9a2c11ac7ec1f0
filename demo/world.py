"""Build the demo world through the same services the API uses (nothing is faked).

Two people show the cameo flow end to end (issue 4): Ava records a cameo and approves Ben;
Ben generates a video starring Ava and publishes it; the feed has likes and comments; a
moderator account can work the console. Every clip is rendered by the local renderer.
"""

import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from accounts.models import User
from accounts.services import cameos as cameo_services
from accounts.services import users as user_services
from feed import services as feed_services
from generation.models import GenerationJob
from generation.render import render_clip
from generation.serializers import GenerationCreateSerializer
from generation.services.jobs import create_job
from generation.storyboard import plan_storyboard
from moderation.services import file_report

PASSWORD = "cutaway-demo-2026"


@dataclass(frozen=True)
class DemoLogin:
    handle: str
    password: str
    role: str


PEOPLE = [
    ("ava", "Ava Reyes", "creator who lends her cameo to approved friends"),
    ("ben", "Ben Okafor", "creator approved to use Ava's cameo"),
    ("cleo", "Cleo Park", "viewer"),
]

PROMPTS = [
    ("ava", "A red fox runs through a snowy forest at sunrise, then looks at the camera.", ""),
    ("ava", "Shot 1: aerial view of an ocean city at night. Shot 2: close-up of neon rain.", ""),
    (
        "ben",
        "@ava waves hello from a sunny rooftop garden, then the camera pans to the skyline.",
        "ava",
    ),
]


def demo_exists() -> bool:
    return User.objects.filter(handle="ava").exists()


def build_demo_world(log=print) -> list[DemoLogin]:
    """Create the demo world once; later runs only return the logins."""
    logins = [DemoLogin(h, PASSWORD, role) for h, _, role in PEOPLE]
    logins += [
        DemoLogin("mod", PASSWORD, "moderator (admin console, moderators group)"),
        DemoLogin("admin", PASSWORD, "superuser (admin console)"),
    ]
    if demo_exists():
        return logins

    people = {
        handle: user_services.register_user(
            handle=handle, email=f"{handle}@demo.cutaway", password=PASSWORD, display_name=name
        )
        for handle, name, _ in PEOPLE
    }
    # A moderator in the `moderators` group and a starter policy registry.
    call_command("seed_moderation", handle="mod", password=PASSWORD, stdout=_Silent())
    User.objects.create_superuser("admin", "admin@demo.cutaway", PASSWORD)

    ava, ben, cleo = people["ava"], people["ben"], people["cleo"]
    for follower, target in [(ben, ava), (ava, ben), (cleo, ava), (cleo, ben)]:
        user_services.follow_user(follower, target)

    log("  rendering Ava's cameo clip …")
    cameo = cameo_services.create_cameo(ava, upload=_cameo_clip_upload(), consent=True)
    cameo = cameo_services.verify_cameo(cameo)
    cameo_services.update_cameo_settings(
        ava, permission="approved", instructions="Keep it friendly: no violence, never in ads."
    )
    cameo_services.grant_cameo(ava, ben)
    log(f"  cameo of @ava: {cameo.status}")

    videos = []
    for index, (handle, prompt, cameo_handle) in enumerate(PROMPTS):
        author = people[handle]
        log(f"  rendering @{handle}: {prompt[:60]}…")
        # Validated as the API validates it: no path reaches create_job with less.
        request = GenerationCreateSerializer(
            data={
                "prompt": prompt,
                "seconds": 6,
                "size": "720x1280",
                "cameos": [cameo_handle] if cameo_handle else [],
                "seed": index + 1,
            }
        )
        request.is_valid(raise_exception=True)
        data = request.validated_data
        job, _ = create_job(
            author,
            prompt=data["prompt"],
            seconds=data["seconds"],
            size=data["size"],
            cameo_handles=data["cameos"],
            seed=data["seed"],
            idempotency_key=f"demo-{index}",
        )
        # Rendered inline on commit (seed_demo runs Celery eagerly; the worker is not up yet).
        job = GenerationJob.objects.get(pk=job.pk)
        if job.status != GenerationJob.Status.SUCCEEDED:
            log(f"  job {job.pk} ended {job.status}: {job.error_message}")
            continue
        with transaction.atomic():
            videos.append(feed_services.publish_video(author, job, caption=prompt[:80]))

    for video in videos:
        for fan in (ava, ben, cleo):
            if fan != video.author:
                feed_services.like_video(fan, video.pk)
    if videos:
        feed_services.add_comment(cleo, videos[0].pk, body="Love the fox!")
        # Something for the console's review queue.
        file_report(cleo, target_type="video", target_id=videos[-1].pk, reason="spam")
    return logins


class _Silent:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


def _cameo_clip_upload() -> SimpleUploadedFile:
    """A short clip with motion and sound, as the person would record it on their phone."""

    shots = plan_storyboard("A person waves at the camera and smiles, then turns.", 4, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        path = render_clip(shots, size="720x1280", seed=7, out_path=Path(tmp) / "cameo.mp4")
        data = path.read_bytes()
    return SimpleUploadedFile("cameo.mp4", data, content_type="video/mp4")
