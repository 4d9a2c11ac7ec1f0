import threading

import pytest
from django.db import connection

from accounts.models import Notification
from feed.models import Like, Video
from feed.services import like_video, unlike_video


def like_url(video):
    return f"/api/v1/videos/{video.id}/like"


def test_like_is_idempotent_and_counted_once(auth_client, user, other_user, make_video):
    video = make_video(other_user)
    client = auth_client(user)
    assert client.post(like_url(video)).status_code == 201
    assert client.post(like_url(video)).status_code == 201
    video.refresh_from_db()
    assert video.like_count == 1 == Like.objects.filter(video=video).count()
    assert client.get(f"/api/v1/videos/{video.id}").json()["liked_by_me"] is True
    assert auth_client(other_user).get(f"/api/v1/videos/{video.id}").json()["liked_by_me"] is False


def test_unlike_is_idempotent(auth_client, user, other_user, make_video):
    video = make_video(other_user)
    client = auth_client(user)
    assert client.delete(like_url(video)).status_code == 204
    video.refresh_from_db()
    assert video.like_count == 0
    client.post(like_url(video))
    assert client.delete(like_url(video)).status_code == 204
    assert client.delete(like_url(video)).status_code == 204
    video.refresh_from_db()
    assert video.like_count == 0 and not Like.objects.exists()


def test_like_refreshes_hot_score_in_sql(user, other_user, make_video):
    video = make_video(other_user)
    before = Video.objects.get(pk=video.pk).hot_score
    for liker in [user, other_user]:
        like_video(liker, video.pk)
    video.refresh_from_db()
    assert video.hot_score == pytest.approx(video.hot_base + 0.30103, abs=1e-4)  # log10(2)
    unlike_video(user, video.pk)
    unlike_video(other_user, video.pk)
    video.refresh_from_db()
    assert video.hot_score == pytest.approx(before)


def test_like_notifies_author_once_not_self(user, other_user, make_video):
    video = make_video(other_user)
    like_video(user, video.pk)
    like_video(user, video.pk)
    like_video(other_user, video.pk)
    notes = Notification.objects.filter(kind=Notification.Kind.LIKE)
    assert [(n.recipient_id, n.actor_id, n.data) for n in notes] == [
        (other_user.id, user.id, {"video": str(video.pk)})
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_and_unlikes_keep_count_exact(make_user, make_job):
    from tests.feed.conftest import _seq  # noqa: F401  (factories share the counter)

    author = make_user("author")
    likers = [make_user(f"liker{i}") for i in range(50)]
    video = Video.objects.create(job=make_job(author), author=author)
    # Half of them already like it: they will unlike while the others like.
    for liker in likers[:25]:
        like_video(liker, video.pk)
    barrier = threading.Barrier(50)
    errors = []

    def act(liker, index):
        try:
            barrier.wait(timeout=30)
            if index < 25:
                unlike_video(liker, video.pk)
            else:
                like_video(liker, video.pk)
            # And a second, racing, idempotent repeat.
            (unlike_video if index < 25 else like_video)(liker, video.pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=act, args=(u, i)) for i, u in enumerate(likers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    video.refresh_from_db()
    assert video.like_count == Like.objects.filter(video=video).count() == 25
    assert set(Like.objects.values_list("user_id", flat=True)) == {u.id for u in likers[25:]}
