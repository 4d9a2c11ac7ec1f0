"""check_cameo_use is THE consent check; resolve_cameos and cameos/available follow it."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.exceptions import CameoUseRefused
from accounts.models import Cameo, ConsentEvent, Notification
from accounts.services import cameo_use, cameos
from accounts.services.users import block_user, follow_user, suspend_user

pytestmark = pytest.mark.django_db

AVAILABLE = "/api/v1/cameos/available"


def _refused(actor, cameo, **kwargs):
    before = ConsentEvent.objects.filter(owner=cameo.owner, action="use_refused").count()
    with pytest.raises(CameoUseRefused) as caught:
        cameo_use.check_cameo_use(actor, cameo, context="test", **kwargs)
    exc = caught.value
    assert exc.status_code == 403
    assert exc.default_code == "cameo_permission_denied"
    assert f"@{cameo.owner.handle}" in str(exc.detail)
    events = ConsentEvent.objects.filter(owner=cameo.owner, action="use_refused")
    assert events.count() == before + 1
    event = events.order_by("-seq").first()
    assert event.actor_handle == actor.handle
    assert event.data["context"] == "test"
    return event.data["reason"]


@pytest.fixture
def alice_cameo(user, make_cameo):
    return make_cameo(user, permission="everyone")


def test_everyone_may_use_an_open_cameo(other_user, alice_cameo):
    assert cameo_use.check_cameo_use(other_user, alice_cameo, context="test") == alice_cameo


def test_only_me_refuses_others_but_not_the_owner(user, other_user, make_cameo):
    cameo = make_cameo(user)
    assert cameo_use.check_cameo_use(user, cameo, context="test") == cameo
    assert _refused(other_user, cameo) == "only_me"


def test_approved_needs_a_grant(user, other_user, make_cameo):
    cameo = make_cameo(user, permission="approved")
    assert _refused(other_user, cameo) == "not_approved"
    cameos.grant_cameo(user, other_user)
    assert cameo_use.check_cameo_use(other_user, cameo, context="test") == cameo
    cameos.revoke_cameo_grant(user, other_user)
    assert _refused(other_user, cameo) == "not_approved"


def test_mutuals_needs_both_follows_and_losing_them_refuses(user, other_user, make_cameo):
    cameo = make_cameo(user, permission="mutuals")
    follow_user(other_user, user)
    assert _refused(other_user, cameo) == "not_mutuals"
    follow_user(user, other_user)
    assert cameo_use.check_cameo_use(other_user, cameo, context="test") == cameo
    from accounts.services.users import unfollow_user

    unfollow_user(user, other_user)
    assert _refused(other_user, cameo) == "not_mutuals"


@pytest.mark.parametrize("blocker", ["owner", "actor"])
def test_a_block_either_way_refuses(user, other_user, alice_cameo, blocker):
    if blocker == "owner":
        block_user(user, other_user)
    else:
        block_user(other_user, user)
    reason = _refused(other_user, alice_cameo)
    assert reason == "blocked"


def test_block_refusal_does_not_say_who_blocked(user, other_user, alice_cameo):
    block_user(user, other_user)
    with pytest.raises(CameoUseRefused) as caught:
        cameo_use.check_cameo_use(other_user, alice_cameo, context="test")
    assert "block" not in str(caught.value.detail).lower()


def test_pending_rejected_and_revoked_cameos_refuse_everyone(user, other_user, make_cameo):
    pending = make_cameo(user, verify=False)
    cameos.update_cameo_settings(user, permission="everyone")
    pending.refresh_from_db()
    assert _refused(other_user, pending) == "cameo_pending_verification"
    assert _refused(user, pending) == "cameo_pending_verification"
    cameos.revoke_cameo_consent(user)
    pending.refresh_from_db()
    assert _refused(other_user, pending) == "cameo_revoked"
    assert _refused(user, pending) == "cameo_revoked"


def test_rejected_cameo_refuses(user, other_user, make_cameo):
    rejected = make_cameo(user, clip="silent")
    assert rejected.status == "rejected"
    assert _refused(user, rejected) == "cameo_rejected"


def test_suspended_owner_refuses(user, other_user, alice_cameo):
    suspend_user(user, until=timezone.now() + datetime.timedelta(days=1), reason="strikes")
    alice_cameo = Cameo.objects.select_related("owner").get(pk=alice_cameo.pk)
    assert _refused(other_user, alice_cameo) == "owner_suspended"


def test_deactivated_owner_refuses(user, other_user, alice_cameo):
    user.is_active = False
    user.save(update_fields=["is_active"])
    alice_cameo = Cameo.objects.select_related("owner").get(pk=alice_cameo.pk)
    assert _refused(other_user, alice_cameo) == "owner_inactive"


def test_lock_rereads_the_cameo(user, other_user, alice_cameo):
    stale = Cameo.objects.get(pk=alice_cameo.pk)
    cameos.revoke_cameo_consent(user)
    assert stale.status == "active"
    with transaction.atomic():
        assert _refused(other_user, stale, lock=True) == "cameo_revoked"


def test_refusal_lost_to_a_rollback_is_recorded_again(user, other_user, make_cameo):
    """A caller's transaction that rolls back on the refusal takes the ledger row with it;
    recording_refusals() around that transaction writes it again, once even when nested."""
    cameo = make_cameo(user)
    with pytest.raises(CameoUseRefused), transaction.atomic():
        cameo_use.check_cameo_use(other_user, cameo, context="generation")
    assert not ConsentEvent.objects.filter(owner=user, action="use_refused").exists()
    outer, inner = cameo_use.recording_refusals(), cameo_use.recording_refusals()
    with pytest.raises(CameoUseRefused), outer, inner, transaction.atomic():
        cameo_use.check_cameo_use(other_user, cameo, context="generation")
    assert ConsentEvent.objects.filter(owner=user, action="use_refused").count() == 1
    from accounts.ledger import verify_ledger

    assert verify_ledger(user)


# --- resolve_cameos ----------------------------------------------------------------------


def test_resolve_explicit_handles_and_mentions(user, other_user, make_user, make_cameo):
    carol = make_user("carol")
    alice = make_cameo(user, permission="everyone", instructions="Keep it kind.")
    carols = make_cameo(carol, permission="everyone")
    found = cameo_use.resolve_cameos(
        other_user, handles=["@Alice"], prompt="alice meets @carol and @alice at the beach"
    )
    assert [c.pk for c in found] == [alice.pk, carols.pk]
    assert cameo_use.cameo_instructions(found) == ["@alice: Keep it kind."]


def test_resolve_unknown_explicit_handle_is_a_validation_error_on_cameos(user, other_user):
    with pytest.raises(ValidationError) as caught:
        cameo_use.resolve_cameos(other_user, handles=["alice", "ghost"], prompt="")
    assert "cameos" in caught.value.detail


def test_resolve_a_revoked_cameo_by_name_is_refused_naming_it(user, other_user, make_cameo):
    make_cameo(user, permission="everyone")
    cameos.revoke_cameo_consent(user)
    with pytest.raises(CameoUseRefused) as caught:
        cameo_use.resolve_cameos(other_user, handles=["alice"], prompt="")
    assert "@alice" in str(caught.value.detail)
    assert cameo_use.resolve_cameos(other_user, handles=[], prompt="@alice on a bike") == []


def test_resolve_malformed_handles_are_unknown_not_a_database_error(other_user):
    with pytest.raises(ValidationError) as caught:
        cameo_use.resolve_cameos(other_user, handles=["al\x00ice", "x" * 64], prompt="")
    assert "cameos" in caught.value.detail


def test_resolve_bad_handles_type_is_a_validation_error(other_user):
    with pytest.raises(ValidationError) as caught:
        cameo_use.resolve_cameos(other_user, handles="alice", prompt="")
    assert "cameos" in caught.value.detail


def test_mentions_of_users_without_a_cameo_are_ignored(user, other_user):
    found = cameo_use.resolve_cameos(other_user, handles=[], prompt="thanks @alice and @nobody")
    assert found == []
    assert cameo_use.resolve_cameos(other_user, handles=[], prompt="mail alice@example.com") == []


def test_a_mention_cannot_smuggle_a_cameo_past_consent(user, other_user, make_cameo):
    make_cameo(user)
    with pytest.raises(CameoUseRefused):
        cameo_use.resolve_cameos(other_user, handles=[], prompt="@alice dancing")


def test_record_cameo_use_writes_the_ledger_and_notifies_the_owner(user, other_user, alice_cameo):
    event = cameo_use.record_cameo_use(alice_cameo, actor=other_user, job_id="j-1")
    assert (event.action, event.data) == ("used", {"job_id": "j-1"})
    note = Notification.objects.get(recipient=user)
    assert note.kind == "cameo_use"
    assert note.actor == other_user


# --- cameos/available --------------------------------------------------------------------


def test_available_lists_exactly_what_check_cameo_use_allows(make_user, make_cameo, auth_client):
    me = make_user("chooser")
    cases = {}
    for handle, permission in [
        ("open", "everyone"),
        ("granted", "approved"),
        ("ungranted", "approved"),
        ("friend", "mutuals"),
        ("fan", "mutuals"),
        ("private", "only_me"),
        ("blocker", "everyone"),
        ("blocked", "everyone"),
        ("suspended", "everyone"),
        ("gone", "everyone"),
    ]:
        owner = make_user(handle)
        cases[handle] = make_cameo(owner, permission=permission, instructions=f"{handle} notes")
    pending_owner = make_user("pending")
    make_cameo(pending_owner, verify=False)
    cameos.update_cameo_settings(pending_owner, permission="everyone")
    cases["pending"] = cameos.live_cameo(pending_owner)
    cameos.grant_cameo(cases["granted"].owner, me)
    follow_user(me, cases["friend"].owner)
    follow_user(cases["friend"].owner, me)
    follow_user(me, cases["fan"].owner)
    block_user(cases["blocker"].owner, me)
    block_user(me, cases["blocked"].owner)
    suspend_user(cases["suspended"].owner, until=timezone.now() + datetime.timedelta(1), reason="x")
    gone = cases["gone"].owner
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    mine = make_cameo(me)

    listed = auth_client(me).get(AVAILABLE).json()["results"]
    listed_handles = {item["handle"] for item in listed}
    allowed = set()
    for cameo in [*cases.values(), mine]:
        cameo = Cameo.objects.select_related("owner").get(pk=cameo.pk)
        try:
            cameo_use.check_cameo_use(me, cameo, context="test")
            allowed.add(cameo.owner.handle)
        except CameoUseRefused:
            pass
    assert listed_handles == allowed == {"open", "granted", "friend", "chooser"}
    open_item = next(item for item in listed if item["handle"] == "open")
    assert open_item == {
        "handle": "open",
        "kind": "person",
        "name": "",
        "owner": "open",
        "display_name": "",
        "instructions": "open notes",
    }


def test_available_query_budget(make_user, make_cameo, auth_client, django_assert_max_num_queries):
    me = make_user("chooser")
    for index in range(12):
        make_cameo(make_user(f"star{index}"), permission="everyone")
    client = auth_client(me)
    with django_assert_max_num_queries(3):
        response = client.get(AVAILABLE)
    assert len(response.json()["results"]) == 12


def test_available_needs_authentication(api_client, db):
    assert api_client.get(AVAILABLE).status_code == 401
