import pytest

from accounts.models import Notification
from accounts.services.users import block_user
from feed.models import Comment, Video


def comments_url(video):
    return f"/api/v1/videos/{video.id}/comments"


@pytest.fixture
def video(other_user, make_video):
    return make_video(other_user)


def test_comment_and_reply(auth_client, user, other_user, video):
    client = auth_client(user)
    response = client.post(comments_url(video), {"body": "  nice  "})
    assert response.status_code == 201
    top = response.json()
    assert top["body"] == "nice" and top["parent"] is None and top["author"]["handle"] == "alice"
    reply = auth_client(other_user).post(comments_url(video), {"body": "ty", "parent": top["id"]})
    assert reply.status_code == 201 and reply.json()["parent"] == top["id"]
    assert Video.objects.get(pk=video.pk).comment_count == 2
    listed = client.get(comments_url(video)).json()["results"]
    assert [c["body"] for c in listed] == ["ty", "nice"]
    replies = client.get(comments_url(video) + f"?parent={top['id']}").json()["results"]
    assert [c["body"] for c in replies] == ["ty"]
    assert client.get(comments_url(video) + "?parent=x").status_code == 400
    assert Notification.objects.filter(recipient=other_user, kind="comment").count() == 1
    assert Notification.objects.filter(recipient=user, kind="comment").count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "x" * 501}, "body"),
        ({"body": ""}, "body"),
        ({"body": "    "}, "body"),
        ({"body": "a\x00b"}, "body"),
        ({}, "body"),
        ({"body": "ok", "parent": "abc"}, "parent"),
    ],
)
def test_bad_comment_is_400_and_writes_nothing(auth_client, user, video, body, field):
    response = auth_client(user).post(comments_url(video), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Comment.objects.exists()
    assert Video.objects.get(pk=video.pk).comment_count == 0


def test_500_chars_is_fine(auth_client, user, video):
    assert auth_client(user).post(comments_url(video), {"body": "x" * 500}).status_code == 201


def test_bad_parent(auth_client, user, other_user, video, make_video):
    client = auth_client(user)
    top = client.post(comments_url(video), {"body": "top"}).json()
    reply = client.post(comments_url(video), {"body": "r", "parent": top["id"]}).json()
    elsewhere = make_video(other_user)
    for parent in (reply["id"], 999999):
        response = client.post(comments_url(video), {"body": "x", "parent": parent})
        assert response.status_code == 400 and "parent" in response.json()
    response = client.post(comments_url(elsewhere), {"body": "x", "parent": top["id"]})
    assert response.status_code == 400
    assert Video.objects.get(pk=video.pk).comment_count == 2


def test_delete_rules(auth_client, user, other_user, carol, video):
    mine = auth_client(user).post(comments_url(video), {"body": "mine"}).json()
    reply = auth_client(carol).post(comments_url(video), {"body": "re", "parent": mine["id"]})
    assert reply.status_code == 201
    # A third user cannot delete someone else's comment.
    assert auth_client(carol).delete(f"/api/v1/comments/{mine['id']}").status_code == 404
    assert Comment.objects.count() == 2
    # The video's author can; the reply goes with it and the count stays exact.
    assert auth_client(other_user).delete(f"/api/v1/comments/{mine['id']}").status_code == 204
    assert not Comment.objects.exists()
    assert Video.objects.get(pk=video.pk).comment_count == 0
    assert auth_client(user).delete(f"/api/v1/comments/{mine['id']}").status_code == 404


def test_author_deletes_own_reply(auth_client, user, video):
    client = auth_client(user)
    top = client.post(comments_url(video), {"body": "top"}).json()
    reply = client.post(comments_url(video), {"body": "r", "parent": top["id"]}).json()
    assert client.delete(f"/api/v1/comments/{reply['id']}").status_code == 204
    assert Video.objects.get(pk=video.pk).comment_count == 1


def test_blocked_users_comments_are_hidden(auth_client, user, other_user, carol, video):
    auth_client(carol).post(comments_url(video), {"body": "from carol"})
    block_user(user, carol)
    assert auth_client(user).get(comments_url(video)).json()["results"] == []
    assert len(auth_client(other_user).get(comments_url(video)).json()["results"]) == 1


def test_comment_on_private_video_of_other_is_404(auth_client, user, other_user, make_video):
    hidden = make_video(other_user, visibility="private")
    assert auth_client(user).post(comments_url(hidden), {"body": "hi"}).status_code == 404
    response = auth_client(user).delete("/api/v1/comments/123456")
    assert response.status_code == 404


def test_moderation_hides_and_restores_comments_exactly(auth_client, user, carol, video):
    from feed.services import hide_comment, restore_comment

    top = auth_client(user).post(comments_url(video), {"body": "rude"}).json()
    auth_client(carol).post(comments_url(video), {"body": "re", "parent": top["id"]})
    comment = Comment.objects.get(pk=top["id"])
    assert hide_comment(comment, reason="abuse") is True
    assert hide_comment(comment, reason="abuse") is False
    assert Video.objects.get(pk=video.pk).comment_count == 1
    bodies = [c["body"] for c in auth_client(carol).get(comments_url(video)).json()["results"]]
    assert bodies == ["re"]
    # Replying to a hidden comment is refused.
    response = auth_client(carol).post(comments_url(video), {"body": "x", "parent": top["id"]})
    assert response.status_code == 400
    assert restore_comment(comment) is True
    assert Video.objects.get(pk=video.pk).comment_count == 2
    hide_comment(comment)
    # Deleting a thread whose top comment is hidden removes only the visible reply from the count.
    assert auth_client(user).delete(f"/api/v1/comments/{top['id']}").status_code == 204
    assert Video.objects.get(pk=video.pk).comment_count == 0
