"""GET me/moderation and POST appeals; decide_appeal reverses upheld actions."""

import pytest

from moderation.models import Appeal, ReviewItem, Strike
from moderation.services import decide_appeal, file_report, take_moderation_action

pytestmark = pytest.mark.django_db
APPEALS = "/api/v1/appeals"
MINE = "/api/v1/me/moderation"


@pytest.fixture
def removal(moderator, user, other_user, make_video):
    video = make_video(other_user)
    file_report(user, target_type="video", target_id=str(video.id), reason="spam")
    return take_moderation_action(moderator, ReviewItem.objects.get(), "remove", "Spam links")


def test_me_moderation_lists_actions_on_my_content_only(auth_client, user, other_user, removal):
    mine = auth_client(other_user).get(MINE)
    assert mine.status_code == 200
    [entry] = mine.json()["results"]
    assert entry["id"] == removal.id and entry["action"] == "remove"
    assert entry["reason"] == "Spam links" and entry["appealable"] is True
    assert entry["appeal"] is None
    assert "moderator" not in entry
    assert auth_client(user).get(MINE).json()["results"] == []


def test_me_moderation_query_budget(
    auth_client, moderator, other_user, make_video, django_assert_max_num_queries
):
    for n in range(6):
        action = take_moderation_action(moderator, make_video(other_user), "remove", f"r{n}")
        if n % 2:
            Appeal.objects.create(appellant=other_user, action=action, text="please")
    client = auth_client(other_user)
    with django_assert_max_num_queries(6):
        response = client.get(MINE)
    # six removals and the automatic suspension after the third strike
    assert len(response.json()["results"]) == 7


def test_appeal_own_action(auth_client, other_user, removal):
    response = auth_client(other_user).post(
        APPEALS, {"action": removal.id, "text": "It was a tutorial, not spam."}
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.status == "open" and appeal.appellant == other_user
    item = removal.review_item
    item.refresh_from_db()
    assert item.status == "open" and item.has_open_appeal and "appeal" in item.reasons


def test_appeal_on_someone_elses_action_is_404(auth_client, user, removal):
    response = auth_client(user).post(APPEALS, {"action": removal.id, "text": "unfair"})
    assert response.status_code == 404
    assert not Appeal.objects.exists()


@pytest.mark.parametrize("action_id", [999999, 0, -1, "abc"])
def test_appeal_on_unknown_action(auth_client, other_user, removal, action_id):
    response = auth_client(other_user).post(APPEALS, {"action": action_id, "text": "x"})
    assert response.status_code in (400, 404)
    assert not Appeal.objects.exists()


def test_second_open_appeal_is_409(auth_client, other_user, removal):
    client = auth_client(other_user)
    assert client.post(APPEALS, {"action": removal.id, "text": "one"}).status_code == 201
    again = client.post(APPEALS, {"action": removal.id, "text": "two"})
    assert again.status_code == 409
    assert again.json()["code"] == "appeal_exists"
    assert Appeal.objects.count() == 1


def test_empty_appeal_text_is_400(auth_client, other_user, removal):
    response = auth_client(other_user).post(APPEALS, {"action": removal.id, "text": "   "})
    assert response.status_code == 400 and "text" in response.json()


def test_dismissals_cannot_be_appealed(auth_client, moderator, user, other_user, make_video):
    video = make_video(other_user)
    dismissal = take_moderation_action(moderator, video, "dismiss", "fine")
    response = auth_client(other_user).post(APPEALS, {"action": dismissal.id, "text": "?"})
    assert response.status_code == 404


def test_upheld_appeal_restores_video_and_removes_strike(moderator, other_user, removal):
    from accounts.models import Notification
    from feed.models import Video

    appeal = Appeal.objects.create(appellant=other_user, action=removal, text="not spam")
    decide_appeal(moderator, appeal, True, "The links were to the user's own shop")
    appeal.refresh_from_db()
    assert appeal.status == "upheld" and appeal.decided_by == moderator
    video = Video.objects.get(pk=removal.target_id)
    assert video.status == "published"
    assert Strike.objects.get(action=removal).removed_at is not None
    assert removal.reversed_by.get().action == "restore"
    assert Notification.objects.filter(
        recipient=other_user, kind="moderation", data__appeal="upheld"
    ).exists()


def test_denied_appeal_changes_nothing_but_the_appeal(moderator, other_user, removal):
    from feed.models import Video

    appeal = Appeal.objects.create(appellant=other_user, action=removal, text="not spam")
    decide_appeal(moderator, appeal, False, "It was spam")
    assert Video.objects.get(pk=removal.target_id).status == "removed"
    assert Strike.objects.get(action=removal).removed_at is None
    appeal.refresh_from_db()
    assert appeal.status == "denied"


def test_deciding_twice_is_a_conflict(moderator, other_user, removal):
    from config.exceptions import Conflict

    appeal = Appeal.objects.create(appellant=other_user, action=removal, text="x")
    decide_appeal(moderator, appeal, False, "no")
    with pytest.raises(Conflict):
        decide_appeal(moderator, appeal, True, "changed my mind")


def test_upheld_appeal_lifts_a_three_strikes_suspension(moderator, other_user, make_video):
    actions = [
        take_moderation_action(moderator, make_video(other_user), "remove", f"r{n}")
        for n in range(3)
    ]
    other_user.refresh_from_db()
    assert other_user.is_suspended
    appeal = Appeal.objects.create(appellant=other_user, action=actions[0], text="wrong")
    decide_appeal(moderator, appeal, True, "First removal was a mistake")
    other_user.refresh_from_db()
    assert not other_user.is_suspended


def test_upheld_appeal_of_a_suspension_unsuspends(moderator, other_user):
    suspension = take_moderation_action(moderator, other_user, "suspend", "Spam ring")
    appeal = Appeal.objects.create(appellant=other_user, action=suspension, text="not me")
    decide_appeal(moderator, appeal, True, "Different person")
    other_user.refresh_from_db()
    assert not other_user.is_suspended
    assert not Strike.objects.filter(user=other_user, removed_at__isnull=True).exists()


def test_upheld_appeal_of_a_since_deleted_video_still_lifts_the_strike(
    moderator, other_user, removal
):
    from feed.models import Video

    Video.objects.filter(pk=removal.target_id).update(status="deleted")
    appeal = Appeal.objects.create(appellant=other_user, action=removal, text="not spam")
    decide_appeal(moderator, appeal, True, "Fair enough")
    assert Video.objects.get(pk=removal.target_id).status == "deleted"
    assert Strike.objects.get(action=removal).removed_at is not None
    appeal.refresh_from_db()
    assert appeal.status == "upheld"
