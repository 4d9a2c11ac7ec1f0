"""Another user tries every video endpoint (BOLA): private → 404, like hidden videos → 404."""

import pytest

from accounts.services.users import block_user, follow_user
from feed.models import Comment, Like, Video

EP = "/api/v1/videos/{id}"
ACTIONS = [
    ("get", EP, None),
    ("patch", EP, {"caption": "mine now"}),
    ("delete", EP, None),
    ("post", EP + "/like", None),
    ("delete", EP + "/like", None),
    ("get", EP + "/comments", None),
    ("post", EP + "/comments", {"body": "hi"}),
    ("get", EP + "/remixes", None),
    ("post", EP + "/view", {"watched_ms": 1000}),
    ("post", EP + "/not-interested", None),
    ("get", "/api/v1/feed/explain/{id}", None),
]


def call(client, method, path, body, video):
    return getattr(client, method)(path.format(id=video.id), body, format="json")


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
@pytest.mark.parametrize(
    "case", ["private", "followers", "blocked_by_author", "blocking", "removed"]
)
def test_stranger_gets_404_everywhere(
    auth_client, user, other_user, make_video, method, path, body, case
):
    visibility = {"private": "private", "followers": "followers"}.get(case, "public")
    status = "removed" if case == "removed" else "published"
    video = make_video(user, visibility=visibility, status=status, caption="original")
    if case == "blocked_by_author":
        block_user(user, other_user)
    elif case == "blocking":
        block_user(other_user, user)
    response = call(auth_client(other_user), method, path, body, video)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    video.refresh_from_db()
    assert (video.caption, video.status, video.like_count, video.view_count) == (
        "original",
        status,
        0,
        0,
    )
    assert not Like.objects.exists() and not Comment.objects.exists()


@pytest.mark.parametrize(("method", "path", "body"), [a for a in ACTIONS if a[0] != "delete"])
def test_follower_may_use_followers_only_video(
    auth_client, user, other_user, make_video, method, path, body
):
    video = make_video(user, visibility="followers")
    follow_user(other_user, user)
    response = call(auth_client(other_user), method, path, body, video)
    if method == "patch":
        assert response.status_code == 404  # not the author: cannot edit
    else:
        assert response.status_code in (200, 201, 204)


def test_other_user_cannot_edit_or_delete_public_video(auth_client, user, other_user, make_video):
    video = make_video(user, caption="original")
    client = auth_client(other_user)
    assert client.patch(EP.format(id=video.id), {"caption": "x"}).status_code == 404
    assert client.delete(EP.format(id=video.id)).status_code == 404
    video.refresh_from_db()
    assert video.caption == "original" and video.status == "published"


def test_author_edits_and_deletes_own_video(auth_client, user, other_user, make_video):
    video = make_video(user)
    client = auth_client(user)
    response = client.patch(EP.format(id=video.id), {"caption": "new", "visibility": "private"})
    assert response.status_code == 200
    assert response.json()["caption"] == "new"
    assert auth_client(other_user).get(EP.format(id=video.id)).status_code == 404
    assert client.patch(EP.format(id=video.id), {"visibility": "nope"}).status_code == 400
    assert client.delete(EP.format(id=video.id)).status_code == 204
    assert Video.objects.get(pk=video.id).status == "deleted"
    assert client.get(EP.format(id=video.id)).status_code == 404


def test_author_sees_own_private_video(auth_client, user, make_video):
    video = make_video(user, visibility="private")
    assert auth_client(user).get(EP.format(id=video.id)).status_code == 200


def test_unknown_video_is_404(auth_client, user):
    client = auth_client(user)
    missing = "00000000-0000-0000-0000-000000000000"
    assert client.post(f"/api/v1/videos/{missing}/like").status_code == 404
    assert client.get("/api/v1/videos/not-a-uuid").status_code == 404


def test_held_video_cannot_be_liked_by_author(auth_client, user, make_video):
    video = make_video(user, status="held")
    response = auth_client(user).post(EP.format(id=video.id) + "/like")
    assert response.status_code == 409
    assert response.json()["code"] == "video_not_live"


def test_user_videos_lists_only_visible(auth_client, user, other_user, make_video):
    public = make_video(user)
    make_video(user, visibility="private")
    make_video(user, visibility="followers")
    make_video(user, status="removed")
    response = auth_client(other_user).get("/api/v1/users/alice/videos")
    assert [v["id"] for v in response.json()["results"]] == [str(public.id)]
    assert len(auth_client(user).get("/api/v1/users/alice/videos").json()["results"]) == 3
    block_user(user, other_user)
    assert auth_client(other_user).get("/api/v1/users/alice/videos").status_code == 404
    assert auth_client(other_user).get("/api/v1/users/nobody/videos").status_code == 404
