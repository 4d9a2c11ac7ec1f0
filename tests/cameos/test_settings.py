"""The owner's controls: permission, instructions, and revoking consent."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import Cameo, ConsentEvent
from accounts.signals import cameo_consent_revoked

pytestmark = pytest.mark.django_db

URL = "/api/v1/cameos/me"


def test_owner_changes_permission_and_instructions(user, auth_client, make_cameo):
    make_cameo(user)
    client = auth_client(user)
    response = client.patch(
        URL, {"permission": "mutuals", "instructions": "Wear the red scarf."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["permission"] == "mutuals"
    assert response.json()["instructions"] == "Wear the red scarf."
    changed = ConsentEvent.objects.filter(owner=user).order_by("seq")
    assert [e.action for e in changed][-2:] == ["permission_changed", "instructions_changed"]
    assert changed.get(action="permission_changed").data == {"from": "only_me", "to": "mutuals"}


def test_unchanged_values_append_nothing(user, auth_client, make_cameo):
    make_cameo(user, permission="approved")
    before = ConsentEvent.objects.filter(owner=user).count()
    client = auth_client(user)
    assert client.patch(URL, {"permission": "approved"}, format="json").status_code == 200
    assert ConsentEvent.objects.filter(owner=user).count() == before


def test_status_cannot_be_set_by_patch(user, auth_client, make_cameo):
    make_cameo(user, verify=False)
    auth_client(user).patch(URL, {"status": "active"}, format="json")
    assert Cameo.objects.get(owner=user).status == "pending_verification"


def test_instructions_over_1000_chars_are_400(user, auth_client, make_cameo):
    make_cameo(user)
    response = auth_client(user).patch(URL, {"instructions": "x" * 1001}, format="json")
    assert response.status_code == 400
    assert "instructions" in response.json()
    assert Cameo.objects.get(owner=user).instructions == ""


def test_unknown_permission_is_400(user, auth_client, make_cameo):
    make_cameo(user)
    response = auth_client(user).patch(URL, {"permission": "friends"}, format="json")
    assert response.status_code == 400
    assert "permission" in response.json()


def test_a_minor_cannot_open_their_cameo_to_everyone(make_user, auth_client, make_cameo):
    teen = make_user("teen", birth_date=timezone.localdate() - datetime.timedelta(days=365 * 15))
    make_cameo(teen)
    response = auth_client(teen).patch(URL, {"permission": "everyone"}, format="json")
    assert response.status_code == 400
    assert "permission" in response.json()
    assert Cameo.objects.get(owner=teen).permission == "only_me"
    assert auth_client(teen).patch(URL, {"permission": "mutuals"}, format="json").status_code == 200


def test_an_adult_may_open_their_cameo_to_everyone(make_user, auth_client, make_cameo):
    adult = make_user("adult", birth_date=datetime.date(1990, 1, 1))
    make_cameo(adult)
    response = auth_client(adult).patch(URL, {"permission": "everyone"}, format="json")
    assert response.status_code == 200


def test_patch_without_a_cameo_is_404(user, auth_client):
    assert (
        auth_client(user).patch(URL, {"permission": "approved"}, format="json").status_code == 404
    )


def test_another_user_cannot_read_or_change_my_cameo(user, other_user, auth_client, make_cameo):
    mine = make_cameo(user, permission="approved", instructions="Only in daylight.")
    client = auth_client(other_user)
    assert client.get(URL).status_code == 404
    assert client.patch(URL, {"permission": "everyone"}, format="json").status_code == 404
    assert client.delete(URL).status_code == 404
    mine.refresh_from_db()
    assert (mine.status, mine.permission, mine.instructions) == (
        "active",
        "approved",
        "Only in daylight.",
    )


def test_revoking_consent(user, auth_client, make_cameo):
    cameo = make_cameo(user, permission="everyone")
    received = []

    def receiver(sender, cameo, actor, reason, **kwargs):
        received.append((cameo.pk, cameo.status, actor.pk))

    cameo_consent_revoked.connect(receiver)
    try:
        response = auth_client(user).delete(URL)
    finally:
        cameo_consent_revoked.disconnect(receiver)
    assert response.status_code == 204
    cameo.refresh_from_db()
    assert cameo.status == "revoked"
    assert cameo.revoked_at is not None
    assert received == [(cameo.pk, "revoked", user.pk)]
    last = ConsentEvent.objects.filter(owner=user).order_by("-seq").first()
    assert last.action == "revoked"
    assert last.data["previous_status"] == "active"
    assert auth_client(user).get(URL).status_code == 404
    assert auth_client(user).delete(URL).status_code == 404


def test_revoking_deletes_the_private_clip_after_commit(
    user, make_cameo, django_capture_on_commit_callbacks
):
    from accounts.services.cameos import revoke_cameo_consent

    cameo = make_cameo(user)
    assert default_storage.exists(cameo.source_clip)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_cameo_consent(user)
    assert not default_storage.exists(cameo.source_clip)


def test_a_failing_receiver_rolls_the_whole_revocation_back(user, auth_client, make_cameo):
    """Nothing half-done: if a takedown fails, the cameo stays active and no event is kept."""
    from accounts.services.cameos import revoke_cameo_consent

    cameo = make_cameo(user)
    events_before = ConsentEvent.objects.filter(owner=user).count()

    def broken(sender, **kwargs):
        raise RuntimeError("takedown failed")

    cameo_consent_revoked.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            revoke_cameo_consent(user)
    finally:
        cameo_consent_revoked.disconnect(broken)
    cameo.refresh_from_db()
    assert cameo.status == "active"
    assert cameo.revoked_at is None
    assert ConsentEvent.objects.filter(owner=user).count() == events_before
