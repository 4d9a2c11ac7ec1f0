"""POST videos/{id}/view cannot stuff the ranking signals (issue 12, finding 9): the author's
views do not count, a viewer counts once per video per FEED_VIEW_WINDOW_SECONDS, and
`watched_ms` is capped by the clip's duration."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from feed.models import Video, View

pytestmark = pytest.mark.django_db


def _view(client, video, watched_ms=1000):
    return client.post(f"/api/v1/videos/{video.pk}/view", {"watched_ms": watched_ms}, format="json")


def test_author_views_do_not_count(auth_client, user, make_video):
    video = make_video(user)
    assert _view(auth_client(user), video).status_code == 204
    video.refresh_from_db()
    assert (video.view_count, video.watch_ms_total) == (0, 0)
    assert not View.objects.filter(video=video).exists()


def test_one_viewer_counts_once_per_window(auth_client, user, other_user, make_video):
    video = make_video(user)
    client = auth_client(other_user)
    for _ in range(5):
        assert _view(client, video, 2000).status_code == 204
    video.refresh_from_db()
    assert (video.view_count, video.watch_ms_total) == (1, 2000)


def test_a_viewer_counts_again_in_the_next_window(
    auth_client, user, other_user, make_video, settings, monkeypatch
):
    settings.FEED_VIEW_WINDOW_SECONDS = 3600
    video = make_video(user)
    client = auth_client(other_user)
    _view(client, video)
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _view(client, video)
    video.refresh_from_db()
    assert video.view_count == 2


def test_each_viewer_counts(auth_client, user, other_user, carol, make_video):
    video = make_video(user)
    _view(auth_client(other_user), video)
    _view(auth_client(carol), video)
    video.refresh_from_db()
    assert video.view_count == 2


def test_watched_ms_capped_by_duration(auth_client, user, other_user, make_video):
    video = make_video(user)  # an 8-second clip
    assert _view(auth_client(other_user), video, 3_600_000).status_code == 204
    video.refresh_from_db()
    assert video.watch_ms_total == 8000
    assert View.objects.get(video=video).watched_ms == 8000


def test_private_video_view_by_stranger_is_404(auth_client, user, other_user, make_video):
    video = make_video(user, visibility="private")
    assert _view(auth_client(other_user), video).status_code == 404
    video.refresh_from_db()
    assert video.view_count == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_views_of_one_viewer_count_once(auth_client, make_user, make_video):
    author, viewer = make_user("author"), make_user("viewer")
    video = make_video(author)
    clients = [auth_client(viewer) for _ in range(12)]
    barrier = threading.Barrier(len(clients))
    codes = []

    def view(client):
        try:
            barrier.wait(timeout=30)
            codes.append(_view(client, video, 3000).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=view, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [204] * len(clients)
    video = Video.objects.get(pk=video.pk)
    assert (video.view_count, video.watch_ms_total) == (1, 3000)
    assert View.objects.filter(video=video).count() == 1
