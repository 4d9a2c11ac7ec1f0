"""'Block this clip everywhere' from the console (issue 20): a moderator adds a video's vPDQ
signature and key-frame PDQ with a reason; new renders of it are blocked, published copies are
held for review with the match shown; nobody without `moderation.block_clip` can do it."""

import pytest
from django.urls import reverse

from feed.models import Video
from generation.models import GenerationJob
from moderation import services
from moderation.models import BlockedClip, BlockedPdqHash, HashMatch, ReviewItem
from tests.moderation import perceptual_clips as clips

pytestmark = pytest.mark.django_db

PROMPT = "A red fox runs through a snowy forest, then jumps over a frozen stream."


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The clip (as bytes) and a re-encoded, scaled copy of it, and an unrelated clip."""
    folder = tmp_path_factory.mktemp("block")
    bad = clips.render(folder / "bad.mp4", PROMPT, seed=3, seconds=4, frame_size=(288, 512))
    copy = clips.copy([(bad, 0)], folder / "copy.mp4", crf=36, size=(192, 340))
    other = clips.render(
        folder / "other.mp4", "Rain on a neon city street at night.", seed=8, seconds=4,
        frame_size=(288, 512),
    )  # fmt: skip
    return {
        name: path.read_bytes() for name, path in (("bad", bad), ("copy", copy), ("other", other))
    }


@pytest.fixture
def publish(make_user):
    from tests.factories import JobFactory, VideoFactory

    def _publish(handle, data):
        author = make_user(handle)
        job = JobFactory(user=author, seconds=4, stored=data)
        return VideoFactory(author=author, job=job)

    return _publish


@pytest.fixture
def reported(publish, rendered, make_user):
    """alice's published video of the bad clip, reported into the queue by a viewer."""
    video = publish("ally", rendered["bad"])
    services.file_report(
        make_user("viewer"), target_type="video", target_id=video.pk, reason="violence"
    )
    return video, ReviewItem.objects.get(target_id=str(video.pk))


def _block(client, item, reason="graphic violence, known clip", decision="block"):
    url = reverse("admin:moderation_reviewitem_block_clip", args=[item.pk])
    return client.post(url, {"block-reason": reason, "block-decision": decision})


def test_moderator_blocks_a_clip_and_published_copies_are_held(
    client, moderator, reported, publish, rendered, django_capture_on_commit_callbacks
):
    video, item = reported
    copy = publish("bob", rendered["copy"])
    unrelated = publish("carl", rendered["other"])
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _block(client, item)
    assert response.status_code == 302
    clip = BlockedClip.objects.get()
    assert (clip.reason, clip.decision, clip.created_by) == (
        "graphic violence, known clip",
        "block",
        moderator,
    )
    assert clip.source_video_id == video.pk and len(clip.features) == 4
    assert BlockedPdqHash.objects.get().clip == clip
    # Published copies: the source and bob's re-encoded, scaled copy are held, carl's is not.
    statuses = dict(Video.objects.values_list("pk", "status"))
    assert statuses[video.pk] == Video.Status.HELD
    assert statuses[copy.pk] == Video.Status.HELD
    assert statuses[unrelated.pk] == Video.Status.PUBLISHED
    held = ReviewItem.objects.get(target_id=str(copy.pk))
    assert held.held and held.status == ReviewItem.Status.OPEN
    assert "hash_match:clip" in held.reasons
    match = HashMatch.objects.get(job=copy.job, clip=clip)
    assert match.query_match_percent == 100.0 and match.distance <= 31


def test_review_page_shows_the_match_entry_distance_and_percentages(
    client, moderator, reported, publish, rendered, django_capture_on_commit_callbacks
):
    _, item = reported
    copy = publish("bob", rendered["copy"])
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        _block(client, item)
    clip = BlockedClip.objects.get()
    match = HashMatch.objects.get(job=copy.job, clip=clip)
    held = ReviewItem.objects.get(target_id=str(copy.pk))
    page = client.get(reverse("admin:moderation_reviewitem_change", args=[held.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f"blocked clip #{clip.pk}" in html
    assert "graphic violence, known clip" in html
    assert f"<td>{match.distance}</td>" in html
    assert f"{match.query_match_percent}%" in html
    assert f"{match.compared_match_percent}%" in html


def test_a_new_render_of_a_blocked_clip_is_blocked(
    client, moderator, reported, auth_client, make_user, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    """The local renderer is deterministic: the same prompt and seed render the same clip,
    which the output check now refuses (nothing published, quota refunded)."""
    settings.GENERATION_OUTPUT_CHECKS = ["moderation.policy.check_output"]
    author = make_user("dana")
    body = {"prompt": PROMPT, "seconds": 4, "seed": 3, "size": "720x1280"}
    with django_capture_on_commit_callbacks(execute=True):
        first = auth_client(author).post(
            "/api/v1/generations", body, format="json", HTTP_IDEMPOTENCY_KEY="one"
        )
    job = GenerationJob.objects.get(pk=first.json()["id"])
    assert job.status == "succeeded", job.error_message
    from tests.factories import VideoFactory

    video = VideoFactory(author=author, job=job)
    services.file_report(
        make_user("eve"), target_type="video", target_id=video.pk, reason="violence"
    )
    item = ReviewItem.objects.get(target_id=str(video.pk))
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        _block(client, item)
    with django_capture_on_commit_callbacks(execute=True):
        again = auth_client(make_user("fred")).post(
            "/api/v1/generations", body, format="json", HTTP_IDEMPOTENCY_KEY="two"
        )
    blocked = GenerationJob.objects.get(pk=again.json()["id"])
    assert blocked.status == "blocked"
    assert blocked.error_code == "blocked_clip"
    assert blocked.policy["output"]["check"] == "vpdq"
    assert HashMatch.objects.filter(job=blocked).exists()


def test_staff_without_the_permission_cannot_block(client, make_user, reported):
    _, item = reported
    staff = make_user("helper", is_staff=True)
    client.force_login(staff)
    assert _block(client, item).status_code == 403
    assert not BlockedClip.objects.exists()


def test_a_regular_user_is_sent_to_the_login_page(client, user, reported):
    _, item = reported
    client.force_login(user)
    response = _block(client, item)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not BlockedClip.objects.exists()
    assert Video.objects.get(pk=reported[0].pk).status == Video.Status.PUBLISHED


def test_a_reason_is_required(client, moderator, reported):
    _, item = reported
    client.force_login(moderator)
    response = _block(client, item, reason="   ")
    assert response.status_code == 302
    assert not BlockedClip.objects.exists()


def test_a_blank_clip_cannot_be_blocked(client, moderator, make_user, tmp_path):
    """Featureless frames would match nothing: the moderator is told, nothing is stored."""
    from tests.factories import JobFactory, VideoFactory
    from tests.moderation.conftest import write_mp4

    author = make_user("gil")
    data = write_mp4(tmp_path / "blank.mp4", blank=True).read_bytes()
    video = VideoFactory(author=author, job=JobFactory(user=author, stored=data))
    services.file_report(make_user("hal"), target_type="video", target_id=video.pk, reason="spam")
    item = ReviewItem.objects.get(target_id=str(video.pk))
    client.force_login(moderator)
    response = _block(client, item)
    assert response.status_code == 302
    assert not BlockedClip.objects.exists()
    page = client.get(response["Location"])
    assert "enough detail" in page.content.decode()


def test_the_video_changelist_action_blocks_selected_clips(
    client, superuser, publish, rendered, django_capture_on_commit_callbacks
):
    video = publish("ivy", rendered["bad"])
    client.force_login(superuser)
    url = reverse("admin:feed_video_changelist")
    form = {"action": "block_clips_everywhere", "_selected_action": [str(video.pk)]}
    asked = client.post(url, form)
    assert asked.status_code == 200 and b"block-clip-form" in asked.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**form, "apply": "1", "reason": "known clip", "decision": "hold"})
    assert done.status_code == 302
    clip = BlockedClip.objects.get()
    assert (clip.decision, clip.source_video_id) == ("hold", video.pk)
    assert Video.objects.get(pk=video.pk).status == Video.Status.HELD


def test_the_changelist_action_is_not_offered_without_the_permission(
    client, make_user, publish, rendered
):
    from django.contrib.auth.models import Permission

    video = publish("jon", rendered["bad"])
    viewer = make_user("viewer2", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_video"))
    client.force_login(viewer)
    url = reverse("admin:feed_video_changelist")
    page = client.get(url)
    assert page.status_code == 200 and b"block_clips_everywhere" not in page.content
    client.post(url, {"action": "block_clips_everywhere", "_selected_action": [str(video.pk)],
                      "apply": "1", "reason": "x", "decision": "block"})  # fmt: skip
    assert not BlockedClip.objects.exists()
