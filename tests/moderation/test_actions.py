"""take_moderation_action: effects through the owning apps, audit log, strikes, suspension."""

import pytest
from django.db import IntegrityError, connection, transaction
from rest_framework.exceptions import ValidationError

from accounts.models import Notification
from feed.models import Video
from moderation.models import ModerationAction, ReviewItem, Strike
from moderation.services import file_report, take_moderation_action

pytestmark = pytest.mark.django_db


def test_remove_hides_video_logs_strikes_notifies_and_closes_item(
    auth_client, moderator, user, other_user, make_video
):
    video = make_video(other_user)
    file_report(user, target_type="video", target_id=str(video.id), reason="hate")
    item = ReviewItem.objects.get()
    logged = take_moderation_action(moderator, item, "remove", "Hate speech in the caption")
    video.refresh_from_db()
    assert video.status == Video.Status.REMOVED
    assert logged.affected_user == other_user and logged.moderator == moderator
    assert logged.review_item == item
    assert Strike.objects.get(user=other_user).action == logged
    item.refresh_from_db()
    assert item.status == "actioned"
    note = Notification.objects.get(recipient=other_user, kind="moderation")
    assert note.data["action"] == "remove" and note.data["reason"] == "Hate speech in the caption"
    # gone from the feed API for everyone but its author
    assert auth_client(user).get(f"/api/v1/videos/{video.id}").status_code == 404


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_action_without_reason_is_refused_and_changes_nothing(
    moderator, other_user, make_video, reason
):
    video = make_video(other_user)
    with pytest.raises(ValidationError) as exc:
        take_moderation_action(moderator, video, "remove", reason)
    assert "reason" in exc.value.detail
    video.refresh_from_db()
    assert video.status == "published"
    assert not ModerationAction.objects.exists() and not Strike.objects.exists()


def test_action_not_valid_for_target_is_refused(moderator, other_user):
    with pytest.raises(ValidationError) as exc:
        take_moderation_action(moderator, other_user, "remove", "no such thing for a user")
    assert "action" in exc.value.detail
    with pytest.raises(ValidationError):
        take_moderation_action(moderator, other_user, "explode", "unknown action")
    assert not ModerationAction.objects.exists()


def test_audit_log_is_append_only(moderator, other_user):
    logged = take_moderation_action(moderator, other_user, "warn", "Spamming comments")
    logged.reason = "rewritten"
    with pytest.raises(TypeError):
        logged.save()
    with pytest.raises(TypeError):
        logged.delete()
    with pytest.raises(TypeError):
        ModerationAction.objects.filter(pk=logged.pk).update(reason="x")
    with pytest.raises(TypeError):
        ModerationAction.objects.all().delete()
    assert ModerationAction.objects.get(pk=logged.pk).reason == "Spamming comments"


def test_audit_log_reason_is_required_by_the_database(moderator, other_user):
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationAction.objects.create(
            moderator=moderator, action="warn", target_type="user", target_id="1", reason=""
        )


def test_restore_reverses_the_removal_and_lifts_its_strike(moderator, other_user, make_video):
    video = make_video(other_user)
    removal = take_moderation_action(moderator, video, "remove", "Looked like spam")
    restore = take_moderation_action(moderator, video, "restore", "It was not spam")
    video.refresh_from_db()
    assert video.status == "published"
    assert restore.reverses == removal
    assert Strike.objects.get(action=removal).removed_at is not None
    assert Strike.objects.filter(user=other_user, removed_at__isnull=True).count() == 0


def test_restore_of_a_live_video_is_a_conflict(moderator, other_user, make_video):
    from moderation.services import NothingToReverse

    video = make_video(other_user)
    with pytest.raises(NothingToReverse):
        take_moderation_action(moderator, video, "restore", "why")
    assert not ModerationAction.objects.exists()


def test_dismiss_closes_item_without_strike_or_notification(
    moderator, user, other_user, make_video
):
    video = make_video(other_user)
    file_report(user, target_type="video", target_id=str(video.id), reason="spam")
    item = ReviewItem.objects.get()
    take_moderation_action(moderator, item, "dismiss", "Not spam")
    item.refresh_from_db()
    assert item.status == "dismissed"
    assert not Strike.objects.exists()
    assert not Notification.objects.filter(recipient=other_user, kind="moderation").exists()
    video.refresh_from_db()
    assert video.status == "published"


def test_remove_comment(moderator, user, other_user, make_video):
    from feed.services import add_comment

    video = make_video(user)
    comment = add_comment(other_user, video.id, body="nasty")
    take_moderation_action(moderator, comment, "remove", "Abuse")
    comment.refresh_from_db()
    assert comment.is_removed
    take_moderation_action(moderator, comment, "restore", "Context made it fine")
    comment.refresh_from_db()
    assert not comment.is_removed


def test_suspend_and_unsuspend(moderator, other_user):
    take_moderation_action(moderator, other_user, "suspend", "Ban evasion")
    other_user.refresh_from_db()
    assert other_user.is_suspended
    undo = take_moderation_action(moderator, other_user, "unsuspend", "Mistaken identity")
    other_user.refresh_from_db()
    assert not other_user.is_suspended
    assert undo.reverses.action == "suspend"


def test_three_strikes_suspend_generation_and_publishing(
    auth_client, moderator, other_user, make_video
):
    videos = [make_video(other_user) for _ in range(3)]
    spare = make_video(other_user)  # noqa: F841 — a job the user could publish again
    for n, video in enumerate(videos[:2]):
        take_moderation_action(moderator, video, "remove", f"strike {n}")
    other_user.refresh_from_db()
    assert not other_user.is_suspended
    take_moderation_action(moderator, other_user, "warn", "third strike")
    other_user.refresh_from_db()
    assert other_user.is_suspended
    auto = ModerationAction.objects.get(action="suspend")
    assert auto.moderator is None and auto.affected_user == other_user

    client = auth_client(other_user)
    created = client.post(
        "/api/v1/generations",
        {"prompt": "a quiet lake", "seconds": 4},
        HTTP_IDEMPOTENCY_KEY="after-strikes",
    )
    assert created.status_code == 403
    assert created.json()["code"] == "account_suspended"

    from generation.models import GenerationJob

    job = GenerationJob.objects.create(
        user=other_user, status="succeeded", prompt="p", seconds=8, video_file="videos/x.mp4"
    )
    published = client.post("/api/v1/videos", {"generation": str(job.id)})
    assert published.status_code == 403
    assert published.json()["code"] == "account_suspended"


def test_expired_strikes_do_not_count(moderator, other_user, make_video):
    from datetime import timedelta

    from django.utils import timezone

    for n in range(2):
        take_moderation_action(moderator, other_user, "warn", f"old {n}")
    Strike.objects.update(
        created_at=timezone.now() - timedelta(days=120),
        expires_at=timezone.now() - timedelta(days=30),
    )
    take_moderation_action(moderator, other_user, "warn", "new one")
    other_user.refresh_from_db()
    assert not other_user.is_suspended


def test_failed_effect_rolls_everything_back(moderator, other_user, make_video, monkeypatch):
    import feed.services

    video = make_video(other_user)

    def broken(*args, **kwargs):
        raise RuntimeError("feed is down")

    monkeypatch.setattr(feed.services, "hide_video", broken)
    with pytest.raises(RuntimeError):
        take_moderation_action(moderator, video, "remove", "spam")
    assert not ModerationAction.objects.exists()
    assert not Strike.objects.exists()
    assert not ReviewItem.objects.exists()


def test_held_video_enters_the_queue(django_capture_on_commit_callbacks, user, make_video):
    policy = {"prompt": {"decision": "hold", "code": "blank_output", "reason": "r", "check": "x"}}
    with django_capture_on_commit_callbacks(execute=True):
        video = make_video(user, status="held", policy=policy)
    item = ReviewItem.objects.get(target_type="video", target_id=str(video.id))
    assert item.held and item.status == "open"
    assert "held_generation" in item.reasons and "policy:blank_output" in item.reasons
    assert item.priority >= 30


def test_publishing_a_held_job_queues_it(django_capture_on_commit_callbacks, auth_client, user):
    from generation.models import GenerationJob

    job = GenerationJob.objects.create(
        user=user,
        status="succeeded",
        prompt="a storm at sea",
        seconds=8,
        video_file="videos/held.mp4",
        policy={"prompt": {"decision": "hold", "code": "needs_review", "reason": "r"}},
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client(user).post("/api/v1/videos", {"generation": str(job.id)})
    assert response.status_code == 201, response.content
    item = ReviewItem.objects.get(target_type="video")
    assert item.held and item.target_user == user


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_database_itself_refuses_to_rewrite_the_audit_log(moderator, other_user):
    from django.db import DatabaseError

    logged = take_moderation_action(moderator, other_user, "warn", "Be nice")
    table = ModerationAction._meta.db_table
    for sql in (
        f"UPDATE {table} SET reason = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [logged.pk])
    assert ModerationAction.objects.get(pk=logged.pk).reason == "Be nice"


def test_item_whose_target_vanished_can_be_dismissed_but_not_actioned(moderator, user):
    item = ReviewItem.objects.create(target_type="comment", target_id="424242", target_user=user)
    with pytest.raises(ValidationError):
        take_moderation_action(moderator, item, "remove", "gone anyway")
    take_moderation_action(moderator, item, "dismiss", "Comment no longer exists")
    item.refresh_from_db()
    assert item.status == "dismissed"


def test_unsuspend_reverses_a_suspension_taken_from_a_video(moderator, other_user, make_video):
    video = make_video(other_user)
    suspension = take_moderation_action(moderator, video, "suspend", "Serial spam uploads")
    other_user.refresh_from_db()
    assert other_user.is_suspended
    undo = take_moderation_action(moderator, other_user, "unsuspend", "Wrong account")
    assert undo.reverses == suspension
    other_user.refresh_from_db()
    assert not other_user.is_suspended


def test_suspending_again_never_shortens_a_longer_suspension(moderator, other_user):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.services.users import suspend_user

    suspend_user(other_user, until=None, reason="permanent ban")
    other_user.refresh_from_db()
    forever = other_user.suspended_until
    take_moderation_action(moderator, other_user, "suspend", "also this")
    other_user.refresh_from_db()
    assert other_user.suspended_until == forever
    assert other_user.suspended_until > timezone.now() + timedelta(days=365)
