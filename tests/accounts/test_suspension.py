"""suspend_user / unsuspend_user set suspended_until and announce it through user_suspended."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.exceptions import AccountSuspended
from accounts.models import User
from accounts.services.users import suspend_user, unsuspend_user
from accounts.signals import user_suspended

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    calls = []

    def receiver(sender, **kwargs):
        calls.append(kwargs)

    user_suspended.connect(receiver)
    yield calls
    user_suspended.disconnect(receiver)


def test_suspend_until_a_date(user, other_user, received):
    until = timezone.now() + timedelta(days=3)
    suspend_user(user, until=until, reason="spam", actor=other_user)
    assert User.objects.get(pk=user.pk).is_suspended
    assert user.is_suspended
    assert received == [
        {
            "signal": user_suspended,
            "user": user,
            "until": until,
            "reason": "spam",
            "actor": other_user,
        }
    ]


def test_suspend_indefinitely_and_lift(user, received):
    suspend_user(user, until=None, reason="strikes")
    stored = User.objects.get(pk=user.pk)
    assert stored.is_suspended and stored.suspended_until.year == 9999
    unsuspend_user(user)
    assert not User.objects.get(pk=user.pk).is_suspended
    assert received[-1]["until"] is None and received[-1]["reason"] == "unsuspended"


def test_suspension_rolls_back_with_a_failing_receiver(user):
    def failing(sender, **kwargs):
        raise RuntimeError("receiver failed")

    user_suspended.connect(failing)
    try:
        with pytest.raises(RuntimeError):
            suspend_user(user, until=None, reason="x")
    finally:
        user_suspended.disconnect(failing)
    assert User.objects.get(pk=user.pk).suspended_until is None


def test_past_suspension_is_not_in_force(user):
    suspend_user(user, until=timezone.now() - timedelta(seconds=1), reason="old")
    assert not User.objects.get(pk=user.pk).is_suspended


def test_account_suspended_error_shape():
    error = AccountSuspended()
    assert error.status_code == 403
    assert error.default_code == "account_suspended"


def test_me_shows_suspension(auth_client, user):
    suspend_user(user, until=timezone.now() + timedelta(days=1), reason="spam")
    body = auth_client(user).get("/api/v1/me").json()
    assert body["is_suspended"] is True and body["suspended_until"]
