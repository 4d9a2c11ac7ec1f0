"""Hardening fixtures: a small world where alice owns one of everything and bob owns nothing.

Rows are written straight to the tables (no rendering): what is under test is the API's
handling of ids, owners and input, not the renderer. Stored files are a few placeholder
bytes so download endpoints have something to stream.
"""

import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

_seq = itertools.count(1)


@dataclass
class World:
    alice: object
    bob: object
    carol: object
    job: object  # alice's succeeded job (published as `video`)
    queued_job: object  # alice's job still in the queue (cancellable)
    draft_job: object  # alice's succeeded job, not published
    video: object  # public
    private_video: object
    followers_video: object
    comment: object  # alice's comment on her private video
    cameo: object
    carol_video: object  # carol's public video featuring alice's cameo (a "use")
    notification: object
    moderation_action: object  # a warning on alice's private video
    extra: dict = field(default_factory=dict)


def _job(user, *, status="succeeded", stored=True):
    from config.storage import save_file
    from generation.models import GenerationJob

    n = next(_seq)
    video_file = thumbnail_file = ""
    if status == "succeeded" and stored:
        video_file = save_file(f"videos/hardening{n}.mp4", b"\x00\x00\x00\x18ftypmp42placeholder")
        thumbnail_file = save_file(f"videos/hardening{n}.jpg", b"\xff\xd8\xff\xe0placeholder")
    return GenerationJob.objects.create(
        user=user,
        status=status,
        prompt=f"a lighthouse at dusk #{n}",
        seconds=4,
        video_file=video_file,
        thumbnail_file=thumbnail_file,
        probe={"duration": 4.0, "width": 720, "height": 1280} if status == "succeeded" else {},
        finished_at=timezone.now() if status == "succeeded" else None,
    )


def _video(author, job, *, visibility="public"):
    from feed.models import Video

    return Video.objects.create(
        job=job,
        author=author,
        visibility=visibility,
        status="published",
        duration=4.0,
        width=720,
        height=1280,
        published_at=timezone.now(),
    )


@pytest.fixture
def world(make_user):
    from accounts.models import Cameo, Notification
    from feed.models import Comment, Video
    from generation.models import JobCameo
    from moderation.services import take_moderation_action

    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")
    moderator = make_user("mod", is_staff=True)

    job = _job(alice)
    video = _video(alice, job)
    private_video = _video(alice, _job(alice), visibility="private")
    followers_video = _video(alice, _job(alice), visibility="followers")
    comment = Comment.objects.create(video=private_video, author=alice, body="only for me")
    Video.objects.filter(pk=private_video.pk).update(comment_count=1)
    cameo = Cameo.objects.create(
        owner=alice,
        status=Cameo.Status.ACTIVE,
        permission=Cameo.Permission.EVERYONE,
        source_clip="cameos/alice-placeholder.mp4",
        verified_at=timezone.now(),
    )
    carol_job = _job(carol)
    JobCameo.objects.create(job=carol_job, cameo=cameo)
    carol_video = _video(carol, carol_job)
    notification = Notification.objects.create(
        recipient=alice, kind=Notification.Kind.LIKE, actor=carol, data={}
    )
    action = take_moderation_action(moderator, private_video, "warn", "hardening fixture")
    return World(
        alice=alice,
        bob=bob,
        carol=carol,
        job=job,
        queued_job=_job(alice, status="queued"),
        draft_job=_job(alice),
        video=video,
        private_video=private_video,
        followers_video=followers_video,
        comment=comment,
        cameo=cameo,
        carol_video=carol_video,
        notification=notification,
        moderation_action=action,
    )
