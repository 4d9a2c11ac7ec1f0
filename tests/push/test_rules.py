"""Who gets a push: kinds muted, blocks (either way, even after the notification), teens and
strangers; an erased user's devices and settings go with the account."""

from datetime import date

import pytest
from django.db import connection

from accounts.models import Block, Follow, Notification
from accounts.services.notifications import notify
from accounts.signals import user_erased
from push.models import Device, MutedKind
from push.services import deliver_notifications, update_push_settings

TEEN_BIRTH_DATE = date(date.today().year - 15, 1, 1)


@pytest.fixture
def subscribe(vapid, push_service, browser):
    def _subscribe(user):
        return Device.objects.create(
            user=user,
            platform="webpush",
            token=push_service.endpoint(user.handle),
            p256dh=browser.p256dh,
            auth=browser.auth,
        )

    return _subscribe


def _pushed_to(push_service) -> list[str]:
    return sorted(r.path.rsplit("/", 1)[-1] for r in push_service.received)


def test_a_muted_kind_is_not_pushed_but_still_notified(
    user, other_user, subscribe, push_service, django_capture_on_commit_callbacks
):
    subscribe(user)
    update_push_settings(user, {"follow": False})
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "follow", actor=other_user)
        notify(user, "like", actor=other_user, data={"video": "v1"})
    assert len(push_service.received) == 1
    assert Notification.objects.filter(recipient=user).count() == 2


def test_a_block_after_the_notification_stops_its_push(
    user, other_user, subscribe, push_service, make_user
):
    """Blocked either way between writing and sending: the send-time check drops it."""
    third = make_user("carol")
    subscribe(user)
    subscribe(third)
    first = notify(user, "follow", actor=other_user)
    second = notify(third, "follow", actor=other_user)
    Block.objects.create(blocker=user, blocked=other_user)
    Block.objects.create(blocker=other_user, blocked=third)
    assert deliver_notifications([first.pk, second.pk]) == 0
    assert push_service.received == []


def test_teens_get_no_push_from_strangers(
    make_user, subscribe, push_service, django_capture_on_commit_callbacks
):
    teen = make_user("teen", birth_date=TEEN_BIRTH_DATE)
    adult = make_user("adult")
    stranger = make_user("stranger")
    friend = make_user("friend")
    Follow.objects.create(follower=teen, followee=friend)
    subscribe(teen)
    subscribe(adult)
    with django_capture_on_commit_callbacks(execute=True):
        notify(teen, "follow", actor=stranger)  # not followed by the teen: no push
        notify(teen, "like", actor=friend, data={"video": "v"})  # followed: pushed
        notify(teen, "moderation", data={"action": "warn"})  # no actor: pushed
        notify(adult, "follow", actor=stranger)  # adults hear from anyone
    assert _pushed_to(push_service) == ["adult", "teen", "teen"]
    assert Notification.objects.filter(recipient=teen).count() == 3


def test_notifications_of_users_without_devices_cost_one_query(
    user, other_user, django_assert_num_queries
):
    note = notify(user, "follow", actor=other_user)
    with django_assert_num_queries(1):
        assert deliver_notifications([note.pk]) == 0


@pytest.fixture
def delivery_tasks():
    """The push delivery tasks run (eager Celery), as their notification id lists."""
    from celery.signals import task_prerun

    from push.task_names import DELIVER_NOTIFICATIONS

    ran = []

    def listener(sender=None, args=(), **kwargs):
        if sender is not None and sender.name == DELIVER_NOTIFICATIONS:
            ran.append(list(args[0]))

    task_prerun.connect(listener, weak=False)
    yield ran
    task_prerun.disconnect(listener)


def test_a_like_enqueues_a_push_only_for_a_recipient_with_a_device(
    user, other_user, subscribe, push_service, delivery_tasks, django_capture_on_commit_callbacks
):
    from feed.services import like_video
    from tests.factories import VideoFactory

    without, with_device = VideoFactory(author=other_user), VideoFactory(author=user)
    subscribe(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert like_video(user, without.pk) is True  # other_user has no device
    assert Notification.objects.filter(recipient=other_user, kind="like").exists()
    assert delivery_tasks == []
    with django_capture_on_commit_callbacks(execute=True):
        assert like_video(other_user, with_device.pk) is True
    note = Notification.objects.get(recipient=user, kind="like")
    assert delivery_tasks == [[note.pk]]
    assert _pushed_to(push_service) == [user.handle]


def test_a_deactivated_recipients_notification_is_not_enqueued(
    user, other_user, subscribe, delivery_tasks, django_capture_on_commit_callbacks
):
    subscribe(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "follow", actor=other_user)
    assert delivery_tasks == []


def test_user_erased_removes_devices_and_settings(user, other_user, subscribe):
    subscribe(user)
    subscribe(other_user)
    update_push_settings(user, {"like": False})
    update_push_settings(other_user, {"like": False})
    user_erased.send(sender=type(user), user=user)
    assert not Device.objects.filter(user=user).exists()
    assert not MutedKind.objects.filter(user=user).exists()
    assert Device.objects.filter(user=other_user).count() == 1
    assert MutedKind.objects.filter(user=other_user).count() == 1


def test_like_stays_one_statement_and_announces_its_notification(
    user, other_user, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """On PostgreSQL the like (visibility, insert, counter, notification) is one statement
    and stays so: the notification's id comes back from the same CTE (RETURNING id)."""
    from accounts.signals import notifications_created
    from feed.services import like_video
    from tests.factories import VideoFactory

    video = VideoFactory(author=user)
    heard = []

    def listener(sender, notification_ids, **kwargs):
        heard.extend(notification_ids)

    notifications_created.connect(listener)
    try:
        budget = 1 if connection.vendor == "postgresql" else 12
        with (
            django_capture_on_commit_callbacks(execute=False) as callbacks,
            django_assert_max_num_queries(budget),
        ):
            assert like_video(other_user, video.pk) is True
        for callback in callbacks:
            callback()
    finally:
        notifications_created.disconnect(listener)
    note = Notification.objects.get(recipient=user, kind="like")
    assert heard == [note.pk]


def test_a_deactivated_recipient_gets_no_push(user, other_user, subscribe, push_service):
    subscribe(user)
    note = notify(user, "follow", actor=other_user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert deliver_notifications([note.pk]) == 0
    assert push_service.received == []
