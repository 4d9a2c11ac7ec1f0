"""The admin pages for accounts load and search for a staff user."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    staff = make_user("staffer", is_staff=True, is_superuser=True)
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/accounts/user/",
        "/admin/accounts/user/?q=alice",
        "/admin/accounts/user/?suspended=yes",
        "/admin/accounts/user/?is_staff__exact=1",
        "/admin/accounts/user/add/",
        "/admin/accounts/follow/",
        "/admin/accounts/block/",
        "/admin/accounts/notification/",
    ],
)
def test_admin_pages_load(admin_client, user, url):
    assert admin_client.get(url).status_code == 200


def test_admin_user_change_page(admin_client, user):
    assert admin_client.get(f"/admin/accounts/user/{user.pk}/change/").status_code == 200


def test_admin_search_finds_by_handle_and_email(admin_client, user, other_user):
    page = admin_client.get("/admin/accounts/user/?q=alice@example").content.decode()
    assert "alice" in page and "bob@example.com" not in page


def test_admin_creates_user_with_lowercase_handle(admin_client):
    from accounts.models import User

    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "handle": "NewOne",
            "email": "n@example.com",
            "password1": "x-Very-long-pw-9",
            "password2": "x-Very-long-pw-9",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert User.objects.filter(handle="newone").exists()


def test_non_staff_cannot_open_admin(client, user):
    client.force_login(user)
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
