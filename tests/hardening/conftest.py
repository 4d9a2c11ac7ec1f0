"""Hardening fixtures: a small world where alice owns one of everything and bob owns nothing.

Jobs and videos come from tests/factories.py (jobs as the pipeline leaves them, no
rendering; videos through publish_video): what is under test is the API's handling of ids,
owners and input, not the renderer. Stored files are a few placeholder bytes so download
endpoints have something to stream.
"""

import itertools
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from tests.factories import JobFactory, VideoFactory

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


PLACEHOLDER_MP4 = b"\x00\x00\x00\x18ftypmp42placeholder"


def _job(user, *, status="succeeded"):
    return JobFactory(
        user=user,
        status=status,
        prompt=f"a lighthouse at dusk #{next(_seq)}",
        seconds=4,
        stored=PLACEHOLDER_MP4,
    )


def _video(author, job, *, visibility="public"):
    return VideoFactory(author=author, job=job, visibility=visibility)


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
