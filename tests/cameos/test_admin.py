"""The admin console shows cameos, their ledger and uses; the ledger is read-only there."""

import pytest

from accounts.models import Cameo, ConsentEvent
from accounts.services import cameos
from generation.models import GenerationJob, JobCameo

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    staff = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


def test_cameo_admin_shows_ledger_and_uses(admin_client, user, other_user, make_cameo):
    cameo = make_cameo(user, permission="approved")
    cameos.grant_cameo(user, other_user)
    job = GenerationJob.objects.create(user=other_user, prompt="@alice sings", seconds=8)
    JobCameo.objects.create(job=job, cameo=cameo)
    listing = admin_client.get("/admin/accounts/cameo/")
    assert listing.status_code == 200
    assert b"alice" in listing.content
    page = admin_client.get(f"/admin/accounts/cameo/{cameo.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "permission_changed" in content
    assert str(job.id) in content
    assert "@bob" in content
    assert admin_client.get("/admin/accounts/consentevent/").status_code == 200


def test_ledger_cannot_be_added_changed_or_deleted_in_admin(admin_client, user, make_cameo):
    make_cameo(user)
    event = ConsentEvent.objects.filter(owner=user).first()
    assert admin_client.get("/admin/accounts/consentevent/add/").status_code == 403
    before = event.hash
    response = admin_client.post(
        f"/admin/accounts/consentevent/{event.pk}/change/", {"action": "revoked"}
    )
    assert response.status_code == 403
    assert admin_client.get(f"/admin/accounts/consentevent/{event.pk}/delete/").status_code == 403
    event.refresh_from_db()
    assert event.hash == before
    assert admin_client.get("/admin/accounts/cameo/add/").status_code == 403


def test_admin_action_revokes_through_the_service(admin_client, user, make_cameo):
    cameo = make_cameo(user, permission="everyone")
    response = admin_client.post(
        "/admin/accounts/cameo/",
        {"action": "revoke_consent", "_selected_action": [str(cameo.pk)]},
    )
    assert response.status_code == 302
    cameo.refresh_from_db()
    assert cameo.status == Cameo.Status.REVOKED
    last = ConsentEvent.objects.filter(owner=user).order_by("-seq").first()
    assert (last.action, last.actor_handle, last.data["reason"]) == (
        "revoked",
        "root",
        "moderation",
    )
