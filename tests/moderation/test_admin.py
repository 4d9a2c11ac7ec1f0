"""The console: moderators act from the queue, cannot edit the policy registry; admins can."""

import pytest
from django.urls import reverse

from moderation.models import (
    Appeal,
    BlockedConcept,
    BlockedFrameHash,
    BlockedTerm,
    ModerationAction,
    ProtectedEntity,
    ReviewItem,
)
from moderation.services import file_report, take_moderation_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def reported_video(user, other_user, make_video):
    video = make_video(
        other_user,
        prompt="a dancing robot",
        storyboard=[
            {
                "index": 0,
                "seconds": 4,
                "camera": "pan_left",
                "subject": "robot",
                "action": "dances",
                "dialogue": "beep",
                "caption": "",
            },
        ],
    )
    file_report(user, target_type="video", target_id=str(video.id), reason="spam")
    return video


def test_moderators_group_has_act_but_not_registry_permissions(moderator):
    assert moderator.has_perm("moderation.act_on_reviewitem")
    assert moderator.has_perm("moderation.decide_appeal")
    assert moderator.has_perm("moderation.view_blockedterm")
    for model in ("blockedterm", "blockedconcept", "protectedentity", "blockedframehash"):
        for verb in ("add", "change", "delete"):
            assert not moderator.has_perm(f"moderation.{verb}_{model}")


def test_queue_lists_open_items_by_priority(mod_client, user, other_user, make_user, make_video):
    low = make_video(other_user)
    high = make_video(other_user)
    file_report(user, target_type="video", target_id=str(low.id), reason="spam")
    for n in range(3):
        file_report(
            make_user(f"rep{n}"), target_type="video", target_id=str(high.id), reason="hate"
        )
    url = reverse("admin:moderation_reviewitem_changelist")
    assert mod_client.get(url).status_code == 302  # lands on the open items
    page = mod_client.get(url + "?status__exact=open")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index(str(high.id)) < body.index(str(low.id))


@pytest.mark.parametrize(
    "query",
    ["reason=hate", "reason=held_generation", "age=1h", "age=older", "status__exact=actioned"],
)
def test_queue_filters(mod_client, reported_video, query):
    url = reverse("admin:moderation_reviewitem_changelist")
    assert mod_client.get(f"{url}?{query}").status_code == 200


def test_change_view_shows_video_prompt_storyboard_policy_and_form(mod_client, reported_video):
    item = ReviewItem.objects.get()
    page = mod_client.get(reverse("admin:moderation_reviewitem_change", args=[item.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert '<video id="review-video" controls' in body and "/files/" in body
    assert "a dancing robot" in body and "pan_left" in body
    assert 'id="policy"' in body and 'id="act-form"' in body


def test_one_click_remove_with_reason(mod_client, moderator, reported_video):
    item = ReviewItem.objects.get()
    url = reverse("admin:moderation_reviewitem_act", args=[item.pk])
    response = mod_client.post(url, {"action": "remove", "reason": "Spam links everywhere"})
    assert response.status_code == 302
    reported_video.refresh_from_db()
    assert reported_video.status == "removed"
    logged = ModerationAction.objects.get()
    assert logged.moderator == moderator and logged.reason == "Spam links everywhere"


def test_action_without_reason_changes_nothing(mod_client, reported_video):
    item = ReviewItem.objects.get()
    url = reverse("admin:moderation_reviewitem_act", args=[item.pk])
    response = mod_client.post(url, {"action": "remove", "reason": ""}, follow=True)
    assert "reason" in response.content.decode().lower()
    reported_video.refresh_from_db()
    assert reported_video.status == "published"
    assert not ModerationAction.objects.exists()


def test_staff_without_the_group_cannot_act(client, make_user, reported_video):
    staff = make_user("intern", is_staff=True)
    client.force_login(staff)
    item = ReviewItem.objects.get()
    url = reverse("admin:moderation_reviewitem_act", args=[item.pk])
    assert client.post(url, {"action": "remove", "reason": "x"}).status_code == 403
    assert not ModerationAction.objects.exists()


def test_bulk_action_asks_for_reason_then_acts(mod_client, user, other_user, make_video):
    videos = [make_video(other_user) for _ in range(2)]
    for video in videos:
        file_report(user, target_type="video", target_id=str(video.id), reason="spam")
    ids = [str(pk) for pk in ReviewItem.objects.values_list("pk", flat=True)]
    url = reverse("admin:moderation_reviewitem_changelist") + "?status__exact=open"
    ask = mod_client.post(url, {"action": "bulk_dismiss", "_selected_action": ids})
    assert ask.status_code == 200 and 'id="bulk-reason-form"' in ask.content.decode()
    assert not ModerationAction.objects.exists()
    empty = mod_client.post(
        url, {"action": "bulk_dismiss", "_selected_action": ids, "apply": "1", "reason": ""}
    )
    assert empty.status_code == 200 and not ModerationAction.objects.exists()
    done = mod_client.post(
        url,
        {"action": "bulk_dismiss", "_selected_action": ids, "apply": "1", "reason": "Not spam"},
    )
    assert done.status_code == 302
    assert ModerationAction.objects.filter(action="dismiss").count() == 2
    assert set(ReviewItem.objects.values_list("status", flat=True)) == {"dismissed"}


def test_audit_log_is_read_only_in_the_console(
    mod_client, superuser, client, moderator, other_user
):
    logged = take_moderation_action(moderator, other_user, "warn", "Be nice")
    assert (
        mod_client.get(reverse("admin:moderation_moderationaction_changelist")).status_code == 200
    )
    client.force_login(superuser)
    change = reverse("admin:moderation_moderationaction_change", args=[logged.pk])
    client.post(change, {"reason": "rewritten"})
    delete = reverse("admin:moderation_moderationaction_delete", args=[logged.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    logged = ModerationAction.objects.get()
    assert logged.reason == "Be nice"


def test_user_history_page(mod_client, moderator, user, other_user, make_video):
    video = make_video(other_user)
    file_report(user, target_type="video", target_id=str(video.id), reason="spam")
    action = take_moderation_action(moderator, video, "remove", "Spam video")
    Appeal.objects.create(appellant=other_user, action=action, text="please reconsider")
    page = mod_client.get(reverse("admin:moderation_user_history", args=[other_user.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Spam video" in body and "please reconsider" in body
    assert 'id="active-strikes">1<' in body
    assert (
        mod_client.get(reverse("admin:moderation_user_history", args=[999999])).status_code == 404
    )


def test_appeal_uphold_from_the_console(mod_client, moderator, other_user, make_video):
    video = make_video(other_user)
    action = take_moderation_action(moderator, video, "remove", "Spam")
    appeal = Appeal.objects.create(appellant=other_user, action=action, text="mistake")
    page = mod_client.get(reverse("admin:moderation_appeal_change", args=[appeal.pk]))
    assert 'id="decide-form"' in page.content.decode()
    url = reverse("admin:moderation_appeal_decide", args=[appeal.pk])
    mod_client.post(url, {"decision": "uphold", "reason": ""})
    appeal.refresh_from_db()
    assert appeal.status == "open"
    mod_client.post(url, {"decision": "uphold", "reason": "Was a tutorial"})
    appeal.refresh_from_db()
    video.refresh_from_db()
    assert appeal.status == "upheld" and video.status == "published"


REGISTRY_ADD = [
    ("blockedterm", {"pattern": "bomb", "reason": "weapons", "decision": "block", "active": "on"}),
    (
        "blockedconcept",
        {"description": "hurting", "examples": "[]", "reason": "v", "decision": "block"},
    ),
    ("protectedentity", {"name": "Zed", "kind": "character", "aliases": "[]"}),
    ("blockedframehash", {"hash": "0123456789abcdef", "max_distance": 6, "reason": "bad"}),
]
MODELS = {
    "blockedterm": BlockedTerm,
    "blockedconcept": BlockedConcept,
    "protectedentity": ProtectedEntity,
    "blockedframehash": BlockedFrameHash,
}


@pytest.mark.parametrize(("model", "data"), REGISTRY_ADD)
def test_moderator_cannot_change_the_registry(mod_client, model, data):
    add = reverse(f"admin:moderation_{model}_add")
    assert mod_client.get(add).status_code == 403
    assert mod_client.post(add, data).status_code == 403
    assert not MODELS[model].objects.exists()
    assert mod_client.get(reverse(f"admin:moderation_{model}_changelist")).status_code == 200


def test_moderator_cannot_edit_or_delete_an_existing_term(mod_client):
    term = BlockedTerm.objects.create(pattern="bomb", reason="weapons")
    change = reverse("admin:moderation_blockedterm_change", args=[term.pk])
    mod_client.post(change, {"pattern": "flower", "reason": "x", "decision": "block"})
    delete = reverse("admin:moderation_blockedterm_delete", args=[term.pk])
    assert mod_client.post(delete, {"post": "yes"}).status_code == 403
    term.refresh_from_db()
    assert term.pattern == "bomb"


@pytest.mark.parametrize(("model", "data"), REGISTRY_ADD)
def test_admin_can_change_the_registry(client, superuser, model, data):
    client.force_login(superuser)
    response = client.post(reverse(f"admin:moderation_{model}_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert MODELS[model].objects.count() == 1


def test_admin_computes_frame_hash_from_an_uploaded_image(client, superuser):
    import io

    from PIL import Image

    from moderation.policy import frame_hash

    image = Image.new("L", (64, 64))
    image.putdata([(x * 7 + y * 3) % 256 for y in range(64) for x in range(64)])
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = "frame.png"
    client.force_login(superuser)
    response = client.post(
        reverse("admin:moderation_blockedframehash_add"),
        {"hash": "", "image": buffer, "max_distance": 4, "reason": "known bad"},
    )
    assert response.status_code == 302
    assert BlockedFrameHash.objects.get().hash == frame_hash(image)


def test_invalid_regex_is_rejected_by_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:moderation_blockedterm_add"),
        {"pattern": "(oops", "is_regex": "on", "reason": "x", "decision": "block"},
    )
    assert response.status_code == 200
    assert not BlockedTerm.objects.exists()


def test_suspend_from_the_history_page_requires_a_reason(mod_client, other_user):
    url = reverse("admin:moderation_user_act", args=[other_user.pk])
    mod_client.post(url, {"action": "suspend", "reason": ""})
    other_user.refresh_from_db()
    assert not other_user.is_suspended and not ModerationAction.objects.exists()
    mod_client.post(url, {"action": "suspend", "reason": "Spam ring"})
    other_user.refresh_from_db()
    assert other_user.is_suspended
    assert ModerationAction.objects.get().action == "suspend"


def test_seed_moderation_is_idempotent_and_its_moderator_can_act():
    from django.core.management import call_command

    from accounts.models import User

    call_command("seed_moderation", verbosity=0)
    call_command("seed_moderation", verbosity=0)
    moderator = User.objects.get(handle="moderator")
    assert moderator.is_staff and moderator.has_perm("moderation.act_on_reviewitem")
    assert not moderator.has_perm("moderation.change_blockedterm")
    assert BlockedTerm.objects.count() == 3 and ProtectedEntity.objects.count() == 2


def test_queue_and_history_query_budgets(
    mod_client, make_user, other_user, make_video, moderator, django_assert_max_num_queries
):
    for n in range(8):
        video = make_video(other_user)
        file_report(
            make_user(f"qrep{n}"), target_type="video", target_id=str(video.id), reason="spam"
        )
        take_moderation_action(moderator, video, "warn", f"w{n}")
    url = reverse("admin:moderation_reviewitem_changelist") + "?status__exact=actioned"
    with django_assert_max_num_queries(12):
        assert mod_client.get(url).status_code == 200
    with django_assert_max_num_queries(16):
        page = mod_client.get(reverse("admin:moderation_user_history", args=[other_user.pk]))
    assert page.status_code == 200
