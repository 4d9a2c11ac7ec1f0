"""Profiles, follows and blocks: idempotent, exact counters, blocks hide users both ways."""

import pytest

from accounts.models import Block, Follow, Notification, User
from accounts.services.users import (
    are_mutuals,
    block_user,
    blocked_user_ids,
    follow_user,
    is_blocked_between,
    unfollow_user,
)

pytestmark = pytest.mark.django_db


def counts(handle):
    user = User.objects.get(handle=handle)
    return user.follower_count, user.following_count


def test_profile_shows_followed_by_me(auth_client, user, other_user):
    client = auth_client(user)
    assert client.get("/api/v1/users/bob").json()["followed_by_me"] is False
    client.post("/api/v1/users/bob/follow")
    body = client.get("/api/v1/users/BOB").json()
    assert body["followed_by_me"] is True
    assert body["follower_count"] == 1
    assert auth_client(other_user).get("/api/v1/users/alice").json()["follows_me"] is True


def test_unknown_user_is_404(auth_client, user):
    response = auth_client(user).get("/api/v1/users/nobody")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_inactive_user_is_404(auth_client, user, other_user):
    other_user.is_active = False
    other_user.save()
    assert auth_client(user).get("/api/v1/users/bob").status_code == 404


def test_follow_is_idempotent_and_counters_exact(auth_client, user, other_user):
    client = auth_client(user)
    for _ in range(3):
        response = client.post("/api/v1/users/bob/follow")
        assert response.status_code == 201
    assert Follow.objects.count() == 1
    assert counts("alice") == (0, 1)
    assert counts("bob") == (1, 0)
    for _ in range(3):
        assert client.delete("/api/v1/users/bob/follow").status_code == 204
    assert Follow.objects.count() == 0
    assert counts("alice") == (0, 0)
    assert counts("bob") == (0, 0)


def test_follow_notifies_once(auth_client, user, other_user):
    client = auth_client(user)
    client.post("/api/v1/users/bob/follow")
    client.post("/api/v1/users/bob/follow")
    assert Notification.objects.filter(recipient=other_user, kind="follow").count() == 1


def test_follow_yourself_is_400(auth_client, user):
    response = auth_client(user).post("/api/v1/users/alice/follow")
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_follow_self"
    assert not Follow.objects.exists()
    assert counts("alice") == (0, 0)


def test_block_yourself_is_400(auth_client, user):
    response = auth_client(user).post("/api/v1/users/alice/block")
    assert response.status_code == 400
    assert response.json()["code"] == "cannot_block_self"
    assert not Block.objects.exists()


def test_follow_unknown_user_is_404(auth_client, user):
    assert auth_client(user).post("/api/v1/users/nobody/follow").status_code == 404


def test_block_hides_profile_both_ways_and_removes_follows(auth_client, user, other_user):
    follow_user(user, other_user)
    follow_user(other_user, user)
    assert are_mutuals(user, other_user)
    response = auth_client(user).post("/api/v1/users/bob/block")
    assert response.status_code == 201
    assert auth_client(user).post("/api/v1/users/bob/block").status_code == 201
    assert Block.objects.count() == 1
    assert not Follow.objects.exists()
    assert counts("alice") == (0, 0) and counts("bob") == (0, 0)
    assert not are_mutuals(user, other_user)
    assert auth_client(user).get("/api/v1/users/bob").status_code == 404
    assert auth_client(other_user).get("/api/v1/users/alice").status_code == 404
    # Neither can follow the other while blocked.
    assert auth_client(other_user).post("/api/v1/users/alice/follow").status_code == 404
    assert auth_client(user).post("/api/v1/users/bob/follow").status_code == 404
    assert not Follow.objects.exists()
    # Nor list the other's followers.
    assert auth_client(other_user).get("/api/v1/users/alice/followers").status_code == 404


def test_unblock_restores_visibility_but_not_follows(auth_client, user, other_user):
    follow_user(user, other_user)
    client = auth_client(user)
    client.post("/api/v1/users/bob/block")
    assert client.delete("/api/v1/users/bob/block").status_code == 204
    assert client.delete("/api/v1/users/bob/block").status_code == 204
    assert not Block.objects.exists()
    assert client.get("/api/v1/users/bob").status_code == 200
    assert not Follow.objects.exists()


def test_blocked_user_may_block_back_but_not_unblock_for_the_other(auth_client, user, other_user):
    auth_client(user).post("/api/v1/users/bob/block")
    assert auth_client(other_user).post("/api/v1/users/alice/block").status_code == 201
    auth_client(other_user).delete("/api/v1/users/alice/block")
    assert is_blocked_between(user, other_user)
    assert Block.objects.filter(blocker=user, blocked=other_user).exists()


def test_blocked_user_ids_both_directions(make_user):
    a, b, c, d = (make_user(h) for h in ("aaa", "bbb", "ccc", "ddd"))
    block_user(a, b)
    block_user(c, a)
    assert blocked_user_ids(a) == {b.pk, c.pk}
    assert blocked_user_ids(b) == {a.pk}
    assert blocked_user_ids(d) == set()


def test_service_unfollow_is_idempotent(user, other_user):
    assert follow_user(user, other_user) is True
    assert follow_user(user, other_user) is False
    assert unfollow_user(user, other_user) is True
    assert unfollow_user(user, other_user) is False
    assert counts("alice") == (0, 0) and counts("bob") == (0, 0)


def test_followers_and_following_lists(auth_client, make_user, user):
    fans = [make_user(f"fan{i}") for i in range(3)]
    for fan in fans:
        follow_user(fan, user)
    follow_user(user, fans[0])
    client = auth_client(user)
    followers = client.get("/api/v1/users/alice/followers").json()
    assert [row["handle"] for row in followers["results"]] == ["fan2", "fan1", "fan0"]
    assert [row["followed_by_me"] for row in followers["results"]] == [False, False, True]
    assert followers["next"] is None
    following = client.get("/api/v1/users/alice/following").json()
    assert [row["handle"] for row in following["results"]] == ["fan0"]
    fan_following = client.get("/api/v1/users/fan1/following").json()
    assert [row["handle"] for row in fan_following["results"]] == ["alice"]


def test_lists_hide_users_blocked_by_or_blocking_the_viewer(auth_client, make_user, user):
    star = make_user("star")
    fan_blocked, fan_blocking, fan_ok = make_user("fan_a"), make_user("fan_b"), make_user("fan_c")
    for fan in (fan_blocked, fan_blocking, fan_ok):
        follow_user(fan, star)
    block_user(user, fan_blocked)
    block_user(fan_blocking, user)
    rows = auth_client(user).get("/api/v1/users/star/followers").json()["results"]
    assert [row["handle"] for row in rows] == ["fan_c"]


def test_lists_are_cursor_paginated(auth_client, make_user, user):
    for i in range(25):
        follow_user(make_user(f"p{i:02d}"), user)
    client = auth_client(user)
    first = client.get("/api/v1/users/alice/followers?page_size=10").json()
    assert len(first["results"]) == 10 and first["next"]
    seen = [row["handle"] for row in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [row["handle"] for row in page["results"]]
    assert len(seen) == 25 == len(set(seen))


@pytest.mark.parametrize("path", ["followers", "following"])
def test_list_query_budget(auth_client, make_user, user, django_assert_max_num_queries, path):
    for i in range(30):
        other = make_user(f"q{i:02d}", avatar=f"avatars/{i}.jpg")
        follow_user(other, user)
        follow_user(user, other)
    client = auth_client(user)
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/users/alice/{path}?page_size=30")
    assert len(response.json()["results"]) == 30


def test_profile_query_budget(auth_client, user, other_user, django_assert_max_num_queries):
    client = auth_client(user)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/users/bob").status_code == 200


def test_anonymous_cannot_follow(api_client, other_user):
    assert api_client.post("/api/v1/users/bob/follow").status_code == 401
    assert not Follow.objects.exists()
