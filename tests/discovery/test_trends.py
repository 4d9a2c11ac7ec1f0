"""Trends: incremental rates from new likes, moderator approval (audit-logged), expiry,
teen-safety, and GET trends showing only approved, unexpired, visible ones."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discovery import services
from discovery.models import Trend, TrendStat
from discovery.trends import decayed, refresh_trends
from feed.services import hide_video, like_video
from moderation.models import ModerationAction


@pytest.fixture
def surge(make_user, make_video):
    """#kites gets 8 likes now; #moss had its likes a day and a half ago."""
    author = make_user("author")
    kites = make_video(author, caption="Kites over the dunes #kites")
    moss = make_video(author, caption="Slow moss #moss")
    fans = [make_user(f"fan{i}") for i in range(8)]
    for fan in fans:
        like_video(fan, kites.id)
    return author, kites, moss, fans


def test_refresh_folds_only_new_likes(surge):
    _, kites, _, fans = surge
    first = refresh_trends()
    assert first["likes"] == 8
    stat = TrendStat.objects.get(video=kites)
    assert stat.likes == 8
    assert decayed(stat.fast_log, timezone.now(), 3600) == pytest.approx(8, rel=0.01)
    # nothing new: nothing folded, the stats are unchanged
    assert refresh_trends()["likes"] == 0
    assert TrendStat.objects.get(video=kites).likes == 8


def test_rising_hashtag_and_video_become_pending_candidates(surge):
    _, kites, moss, _ = surge
    refresh_trends()
    pending = Trend.objects.filter(status=Trend.Status.PENDING)
    assert {(t.kind, t.hashtag.name if t.hashtag else t.video_id) for t in pending} == {
        ("hashtag", "kites"),
        ("video", kites.id),
    }
    assert all(t.score > 0 for t in pending)


def test_get_trends_shows_only_approved_unexpired(surge, user, auth_client, make_moderator):
    _, kites, _, _ = surge
    refresh_trends()
    client = auth_client(user)
    assert client.get("/api/v1/trends").json() == {"hashtags": [], "videos": []}
    moderator = make_moderator()
    for trend in Trend.objects.all():
        services.approve_trend(moderator, trend, teen_safe=True)
    body = client.get("/api/v1/trends").json()
    assert [h["tag"] for h in body["hashtags"]] == ["kites"]
    assert [v["id"] for v in body["videos"]] == [str(kites.id)]
    # every decision is in the moderation audit log
    logged = ModerationAction.objects.filter(target_type="trend", action="approve")
    assert logged.count() == 2 and all(a.moderator == moderator for a in logged)
    # expiry takes them down and is logged too
    later = timezone.now() + timedelta(days=2)
    assert services.expire_trends(later) == 2
    assert client.get("/api/v1/trends").json() == {"hashtags": [], "videos": []}
    assert ModerationAction.objects.filter(target_type="trend", action="expire").count() == 2


def test_rejected_trends_stay_out(surge, user, auth_client, make_moderator):
    refresh_trends()
    moderator = make_moderator()
    for trend in Trend.objects.all():
        services.reject_trend(moderator, trend)
    refresh_trends()  # still trending: still rejected
    assert set(Trend.objects.values_list("status", flat=True)) == {"rejected"}
    assert auth_client(user).get("/api/v1/trends").json() == {"hashtags": [], "videos": []}
    assert ModerationAction.objects.filter(action="reject").count() == 2


def test_teens_see_only_teen_safe_trends(surge, make_user, auth_client, make_moderator):
    refresh_trends()
    moderator = make_moderator()
    tag = Trend.objects.get(kind="hashtag")
    video = Trend.objects.get(kind="video")
    services.approve_trend(moderator, tag, teen_safe=True)
    services.approve_trend(moderator, video, teen_safe=False)
    teen = make_user("teen", birth_date=timezone.localdate() - timedelta(days=15 * 365))
    adult = make_user("adult", birth_date=timezone.localdate() - timedelta(days=30 * 365))
    assert auth_client(teen).get("/api/v1/trends").json()["videos"] == []
    assert len(auth_client(teen).get("/api/v1/trends").json()["hashtags"]) == 1
    assert len(auth_client(adult).get("/api/v1/trends").json()["videos"]) == 1


def test_an_approved_video_trend_leaves_when_the_video_is_removed(
    surge, user, auth_client, make_moderator
):
    _, kites, _, _ = surge
    refresh_trends()
    services.approve_trend(make_moderator(), Trend.objects.get(kind="video"))
    hide_video(kites, status="removed", reason="moderator")
    assert auth_client(user).get("/api/v1/trends").json()["videos"] == []


def test_expired_trend_that_trends_again_goes_back_to_review(surge, make_moderator):
    refresh_trends()
    for trend in Trend.objects.all():
        services.approve_trend(_mod(make_moderator), trend)
    services.expire_trends(timezone.now() + timedelta(days=2))
    refresh_trends()
    assert set(Trend.objects.values_list("status", flat=True)) == {"pending"}


def _mod(make_moderator):
    from accounts.models import User

    return User.objects.filter(handle="mod").first() or make_moderator()


def test_a_steady_old_favourite_does_not_trend(make_user, make_video):
    from feed.models import Like

    author = make_user("author")
    old = make_video(author, caption="#moss")
    fans = [make_user(f"fan{i}") for i in range(8)]
    for fan in fans:
        like_video(fan, old.id)
    Like.objects.filter(video=old).update(created_at=timezone.now() - timedelta(hours=30))
    refresh_trends()
    assert not Trend.objects.exists()


def test_trends_need_sign_in(api_client):
    assert api_client.get("/api/v1/trends").status_code == 401
