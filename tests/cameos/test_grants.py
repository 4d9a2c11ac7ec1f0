"""Grants: who may use my cameo under `approved`."""

import pytest

from accounts.models import CameoGrant, ConsentEvent
from accounts.services.users import block_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/cameos/me/grants"


def test_grant_list_and_revoke(user, other_user, auth_client, make_cameo):
    make_cameo(user, permission="approved")
    client = auth_client(user)
    response = client.post(URL, {"handle": "bob"}, format="json")
    assert response.status_code == 201
    assert response.json()["handle"] == "bob"
    again = client.post(URL, {"handle": "@Bob"}, format="json")
    assert again.status_code == 200
    assert CameoGrant.objects.count() == 1
    listed = client.get(URL).json()["results"]
    assert [g["handle"] for g in listed] == ["bob"]
    assert client.delete(f"{URL}/bob").status_code == 204
    assert client.delete(f"{URL}/bob").status_code == 204
    assert not CameoGrant.objects.exists()
    actions = list(
        ConsentEvent.objects.filter(owner=user).order_by("seq").values_list("action", flat=True)
    )
    assert actions[-2:] == ["granted", "grant_revoked"]
    granted = ConsentEvent.objects.get(owner=user, action="granted")
    assert granted.data["grantee_id"] == other_user.pk  # an id inside the hash, not the handle
    assert granted.details["values"] == {"grantee": "bob"}


def test_granting_to_yourself_is_400_on_handle(user, auth_client, make_cameo):
    make_cameo(user)
    response = auth_client(user).post(URL, {"handle": "alice"}, format="json")
    assert response.status_code == 400
    assert "handle" in response.json()


@pytest.mark.parametrize("handle", ["nobody_here", "", "   "])
def test_unknown_handle_is_400_on_handle(user, auth_client, make_cameo, handle):
    make_cameo(user)
    response = auth_client(user).post(URL, {"handle": handle}, format="json")
    assert response.status_code == 400
    assert "handle" in response.json()
    assert not CameoGrant.objects.exists()


def test_missing_handle_is_400(user, auth_client, make_cameo):
    make_cameo(user)
    response = auth_client(user).post(URL, {}, format="json")
    assert response.status_code == 400
    assert "handle" in response.json()


def test_blocked_user_looks_unknown(user, other_user, auth_client, make_cameo):
    make_cameo(user)
    block_user(other_user, user)
    response = auth_client(user).post(URL, {"handle": "bob"}, format="json")
    assert response.status_code == 400
    assert response.json()["handle"] == ["No user with this handle."]


def test_grant_without_a_cameo_is_404(user, other_user, auth_client):
    assert auth_client(user).post(URL, {"handle": "bob"}, format="json").status_code == 404
    assert auth_client(user).get(URL).status_code == 404


def test_another_user_cannot_see_or_change_my_grants(
    user, other_user, make_user, auth_client, make_cameo
):
    carol = make_user("carol")
    make_cameo(user, permission="approved")
    make_cameo(other_user)
    auth_client(user).post(URL, {"handle": "carol"}, format="json")
    bob = auth_client(other_user)
    assert bob.get(URL).json()["results"] == []
    assert bob.delete(f"{URL}/carol").status_code == 204
    assert CameoGrant.objects.filter(cameo__owner=user, grantee=carol).exists()


def test_grant_list_query_budget(
    user, make_user, auth_client, make_cameo, django_assert_max_num_queries
):
    make_cameo(user, permission="approved")
    client = auth_client(user)
    for index in range(10):
        make_user(f"friend{index}")
        client.post(URL, {"handle": f"friend{index}"}, format="json")
    with django_assert_max_num_queries(4):
        response = client.get(URL)
    assert len(response.json()["results"]) == 10


def test_a_grant_given_before_a_block_can_still_be_withdrawn(
    user, other_user, auth_client, make_cameo
):
    make_cameo(user, permission="approved")
    client = auth_client(user)
    client.post(URL, {"handle": "bob"}, format="json")
    block_user(user, other_user)
    assert client.delete(f"{URL}/bob").status_code == 204
    assert not CameoGrant.objects.exists()


@pytest.mark.parametrize("handle", ["bob\x00", "no such user", "a" * 40])
def test_malformed_handles_are_400_not_500(user, other_user, auth_client, make_cameo, handle):
    make_cameo(user)
    client = auth_client(user)
    response = client.post(URL, {"handle": handle}, format="json")
    assert response.status_code == 400
    assert "handle" in response.json()
