"""A moderation outcome is an outbox fact (`moderation.action`) for the affected user."""

import pytest

from events.models import Event
from moderation.services import take_moderation_action

pytestmark = pytest.mark.django_db


def test_a_removal_records_moderation_action_for_the_author(moderator, make_video, user):
    video = make_video(user)
    logged = take_moderation_action(moderator, video, "remove", "Hate speech in the caption")
    [event] = Event.objects.filter(type="moderation.action")
    assert event.user_id == user.pk
    assert event.data["action"] == "remove" and event.data["action_id"] == logged.pk
    assert event.data["target_id"] == str(video.pk)
