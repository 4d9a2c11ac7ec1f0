"""Consent is re-checked whenever the audience of a likeness widens (issue 12, finding 3), and
captions and comments pass the content gate. One function decides:
feed.services.check_video_consent."""

import pytest

from accounts.exceptions import CameoUseRefused
from accounts.models import Cameo, ConsentEvent, Notification
from accounts.services import cameos
from feed.models import Comment, Video
from generation.models import JobCameo
from moderation.models import Appeal, BlockedTerm, Strike
from moderation.services import decide_appeal, file_appeal, take_moderation_action

pytestmark = pytest.mark.django_db

HOLD = {"prompt": {"decision": "hold", "code": "public_figure", "reason": "review"}}


@pytest.fixture
def carol_cameo(carol):
    """Carol lends her cameo to approved people only, and approves Alice."""
    cameo = Cameo.objects.create(
        owner=carol, status="active", permission="approved", source_clip="cameos/carol.mp4"
    )
    return cameo


@pytest.fixture
def granted(user, carol, carol_cameo):
    cameos.grant_cameo(carol, user)
    return carol_cameo


@pytest.fixture
def moderator(make_user):
    return make_user("mod", is_staff=True)


def _publish(client, job, **body):
    return client.post("/api/v1/videos", {"generation": str(job.id), **body}, format="json")


def _job_with_carol(make_job, user, cameo, **extra):
    job = make_job(user, **extra)
    JobCameo.objects.create(job=job, cameo=cameo)
    return job


def _refusals(cameo, context):
    return ConsentEvent.objects.filter(
        cameo=cameo, action="use_refused", data__context=context
    ).count()


def test_visibility_widened_after_grant_withdrawn_is_refused(
    auth_client, user, carol, granted, make_job
):
    client = auth_client(user)
    job = _job_with_carol(make_job, user, granted)
    video_id = _publish(client, job, visibility="private").json()["id"]
    cameos.revoke_cameo_grant(carol, user)
    for wider in ("followers", "public"):
        response = client.patch(f"/api/v1/videos/{video_id}", {"visibility": wider}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "cameo_permission_denied"
        assert "@carol" in response.json()["detail"]
    assert Video.objects.get(pk=video_id).visibility == "private"
    assert _refusals(granted, "visibility") == 2


def test_visibility_widened_after_block_is_refused(auth_client, user, carol, granted, make_job):
    from accounts.services.users import block_user

    client = auth_client(user)
    video_id = _publish(client, _job_with_carol(make_job, user, granted), visibility="followers")
    block_user(carol, user)
    response = client.patch(
        f"/api/v1/videos/{video_id.json()['id']}", {"visibility": "public"}, format="json"
    )
    assert response.status_code == 403


def test_narrowing_or_keeping_visibility_needs_no_consent(
    auth_client, user, carol, granted, make_job
):
    client = auth_client(user)
    video_id = _publish(client, _job_with_carol(make_job, user, granted)).json()["id"]
    cameos.revoke_cameo_grant(carol, user)
    response = client.patch(f"/api/v1/videos/{video_id}", {"visibility": "private"}, format="json")
    assert response.status_code == 200 and response.json()["visibility"] == "private"


def test_another_user_cannot_widen_someone_elses_video(
    auth_client, user, other_user, granted, make_job
):
    video_id = _publish(auth_client(user), _job_with_carol(make_job, user, granted)).json()["id"]
    response = auth_client(other_user).patch(
        f"/api/v1/videos/{video_id}", {"visibility": "public"}, format="json"
    )
    assert response.status_code == 404


def test_restore_of_held_video_rechecks_consent(
    auth_client, user, carol, granted, make_job, moderator
):
    job = _job_with_carol(make_job, user, granted, policy=HOLD)
    video_id = _publish(auth_client(user), job).json()["id"]
    video = Video.objects.get(pk=video_id)
    assert video.status == "held"
    cameos.revoke_cameo_grant(carol, user)  # withdrawn while it waited for review
    with pytest.raises(CameoUseRefused) as refused:
        take_moderation_action(moderator, video, "restore", "looks fine")
    assert "@carol" in str(refused.value.detail)
    assert Video.objects.get(pk=video_id).status == "held"
    assert _refusals(granted, "restore") == 1  # on the ledger despite the rollback


def test_console_restore_refused_tells_the_moderator_why(
    client, auth_client, user, carol, granted, make_job, make_user
):
    from django.contrib.auth.models import Permission
    from django.contrib.messages import get_messages

    from moderation.models import ReviewItem

    moderator = make_user("console", is_staff=True)
    moderator.user_permissions.add(Permission.objects.get(codename="act_on_reviewitem"))
    job = _job_with_carol(make_job, user, granted, policy=HOLD)
    video_id = _publish(auth_client(user), job).json()["id"]
    item = ReviewItem.objects.create(target_type="video", target_id=video_id, held=True)
    cameos.revoke_cameo_grant(carol, user)
    client.force_login(moderator)
    response = client.post(
        f"/admin/moderation/reviewitem/{item.pk}/act/", {"action": "restore", "reason": "fine"}
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("@carol" in line for line in shown)
    assert Video.objects.get(pk=video_id).status == "held"


def test_appeal_upheld_restore_rechecks_consent(
    auth_client, user, carol, granted, make_job, moderator
):
    video_id = _publish(auth_client(user), _job_with_carol(make_job, user, granted)).json()["id"]
    removal = take_moderation_action(
        moderator, Video.objects.get(pk=video_id), "remove", "looked like spam"
    )
    appeal = file_appeal(user, action_id=removal.pk, text="it is not spam")
    cameos.revoke_cameo_grant(carol, user)
    decide_appeal(moderator, appeal, True, "not spam indeed")
    assert Appeal.objects.get(pk=appeal.pk).status == "upheld"
    assert Video.objects.get(pk=video_id).status == "removed"  # consent no longer holds
    assert not Strike.objects.filter(action=removal, removed_at__isnull=True).exists()
    note = Notification.objects.filter(recipient=user, data__appeal_id=appeal.pk).get()
    assert note.data["restored"] is False
    assert _refusals(granted, "restore") == 1


def test_appeal_upheld_restores_when_consent_holds(auth_client, user, granted, make_job, moderator):
    video_id = _publish(auth_client(user), _job_with_carol(make_job, user, granted)).json()["id"]
    removal = take_moderation_action(moderator, Video.objects.get(pk=video_id), "remove", "spam")
    appeal = file_appeal(user, action_id=removal.pk, text="not spam")
    decide_appeal(moderator, appeal, True, "right")
    assert Video.objects.get(pk=video_id).status == "published"


# --- the content gate on captions and comments ---------------------------------------------


@pytest.fixture
def blocked_word(db):
    return BlockedTerm.objects.create(pattern="zorblax", decision="block", reason="Not allowed.")


def test_blocked_caption_on_publish_is_400_and_writes_nothing(
    auth_client, user, make_job, blocked_word
):
    response = _publish(auth_client(user), make_job(user), caption="my zorblax clip")
    assert response.status_code == 400
    assert "caption" in response.json() and response.json()["code"] == "content_blocked"
    assert not Video.objects.exists()


def test_blocked_caption_on_edit_is_400_and_keeps_the_old_one(
    auth_client, user, make_job, blocked_word
):
    client = auth_client(user)
    video_id = _publish(client, make_job(user), caption="fine").json()["id"]
    response = client.patch(f"/api/v1/videos/{video_id}", {"caption": "zorblax"}, format="json")
    assert response.status_code == 400 and "caption" in response.json()
    assert Video.objects.get(pk=video_id).caption == "fine"


def test_held_caption_holds_the_video_for_review(auth_client, user, make_job):
    BlockedTerm.objects.create(pattern="quibble", decision="hold", reason="Needs a look.")
    client = auth_client(user)
    held = _publish(client, make_job(user), caption="a quibble")
    assert held.status_code == 201 and held.json()["status"] == "held"
    video_id = _publish(client, make_job(user), caption="fine").json()["id"]
    edited = client.patch(f"/api/v1/videos/{video_id}", {"caption": "quibble"}, format="json")
    assert edited.status_code == 200 and edited.json()["status"] == "held"


def test_blocked_comment_is_400_naming_body(
    auth_client, user, other_user, make_video, blocked_word
):
    video = make_video(user)
    response = auth_client(other_user).post(
        f"/api/v1/videos/{video.id}/comments", {"body": "zorblax!"}, format="json"
    )
    assert response.status_code == 400 and "body" in response.json()
    assert not Comment.objects.exists()
    assert Video.objects.get(pk=video.pk).comment_count == 0


def test_video_admin_cannot_republish_or_widen_by_field_edit(client, make_user, user, make_video):
    video = make_video(user, status="removed", visibility="private")
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/feed/video/{video.pk}/change/")
    form = page.context["adminform"].form
    assert "status" not in form.fields and "visibility" not in form.fields
