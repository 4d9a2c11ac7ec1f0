"""POST /api/v1/reports: targets must exist and be visible, never your own; one per reporter."""

import pytest
from django.urls import reverse

from moderation.models import Report, ReviewItem
from moderation.services import PRIORITY_CAMEO_MISUSE, PRIORITY_PER_REPORTER

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports"


def test_report_video_creates_report_and_queue_item(auth_client, user, other_user, make_video):
    video = make_video(other_user)
    response = auth_client(user).post(
        URL, {"target_type": "video", "target_id": str(video.id), "reason": "spam"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["target_id"] == str(video.id)
    item = ReviewItem.objects.get(target_type="video", target_id=str(video.id))
    assert item.status == "open"
    assert item.target_user == other_user
    assert item.report_count == 1
    assert item.priority == PRIORITY_PER_REPORTER


def test_twenty_reports_from_one_user_count_once(auth_client, user, other_user, make_video):
    video = make_video(other_user)
    client = auth_client(user)
    statuses = [
        client.post(
            URL, {"target_type": "video", "target_id": str(video.id), "reason": "harassment"}
        ).status_code
        for _ in range(20)
    ]
    assert statuses[0] == 201
    assert set(statuses[1:]) == {200}
    assert Report.objects.count() == 1
    item = ReviewItem.objects.get()
    assert item.report_count == 1
    assert item.priority == PRIORITY_PER_REPORTER


def test_priority_rises_with_distinct_reporters_and_cameo_misuse(
    auth_client, make_user, other_user, make_video
):
    video = make_video(other_user)
    for n in range(3):
        reporter = make_user(f"reporter{n}")
        reason = "cameo_misuse" if n == 0 else "spam"
        auth_client(reporter).post(
            URL, {"target_type": "video", "target_id": str(video.id), "reason": reason}
        )
    item = ReviewItem.objects.get()
    assert item.report_count == 3
    assert item.priority == 3 * PRIORITY_PER_REPORTER + PRIORITY_CAMEO_MISUSE
    assert item.reasons == {"cameo_misuse": 1, "spam": 2}


def test_report_on_own_video_is_400(auth_client, user, make_video):
    video = make_video(user)
    response = auth_client(user).post(
        URL, {"target_type": "video", "target_id": str(video.id), "reason": "spam"}
    )
    assert response.status_code == 400
    assert "target_id" in response.json()
    assert not Report.objects.exists() and not ReviewItem.objects.exists()


def test_report_on_self_is_400(auth_client, user):
    response = auth_client(user).post(
        URL, {"target_type": "user", "target_id": "alice", "reason": "spam"}
    )
    assert response.status_code == 400
    assert "target_id" in response.json()


@pytest.mark.parametrize(
    ("target_type", "target_id"),
    [
        ("video", "00000000-0000-0000-0000-000000000000"),
        ("video", "not-a-uuid"),
        ("comment", "999999"),
        ("comment", "abc"),
        ("user", "nobody_here"),
        ("user", "99999999999999999999999"),
        ("cameo", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_report_on_missing_target_is_400_on_target_id(auth_client, user, target_type, target_id):
    response = auth_client(user).post(
        URL, {"target_type": target_type, "target_id": target_id, "reason": "spam"}
    )
    assert response.status_code == 400
    assert "target_id" in response.json()
    assert not ReviewItem.objects.exists()


def test_report_on_video_the_reporter_cannot_see_is_400(auth_client, user, other_user, make_video):
    private = make_video(other_user, visibility="private")
    response = auth_client(user).post(
        URL, {"target_type": "video", "target_id": str(private.id), "reason": "spam"}
    )
    assert response.status_code == 400
    assert "target_id" in response.json()


def test_report_across_a_block_is_400(auth_client, user, other_user):
    from accounts.services.users import block_user

    block_user(other_user, user)
    response = auth_client(user).post(
        URL, {"target_type": "user", "target_id": "bob", "reason": "harassment"}
    )
    assert response.status_code == 400


def test_bad_fields_are_400_naming_the_field(auth_client, user, other_user):
    client = auth_client(user)
    bad_type = client.post(URL, {"target_type": "planet", "target_id": "bob", "reason": "spam"})
    assert bad_type.status_code == 400 and "target_type" in bad_type.json()
    bad_reason = client.post(URL, {"target_type": "user", "target_id": "bob", "reason": "meh"})
    assert bad_reason.status_code == 400 and "reason" in bad_reason.json()
    long = client.post(
        URL, {"target_type": "user", "target_id": "bob", "reason": "spam", "details": "x" * 1001}
    )
    assert long.status_code == 400 and "details" in long.json()
    assert not Report.objects.exists()


def test_report_user_comment_and_cameo(auth_client, user, other_user, make_video):
    from accounts.models import Cameo
    from feed.services import add_comment

    video = make_video(user)
    comment = add_comment(other_user, video.id, body="rude words")
    cameo = Cameo.objects.create(owner=other_user, status="active", source_clip="c.mp4")
    client = auth_client(user)
    for target_type, target_id in [
        ("user", "bob"),
        ("comment", str(comment.pk)),
        ("cameo", str(cameo.pk)),
    ]:
        response = client.post(
            URL, {"target_type": target_type, "target_id": target_id, "reason": "impersonation"}
        )
        assert response.status_code == 201, (target_type, response.content)
    assert ReviewItem.objects.filter(target_user=other_user).count() == 3
    cameo_item = ReviewItem.objects.get(target_type="cameo")
    assert cameo_item.priority == PRIORITY_PER_REPORTER + PRIORITY_CAMEO_MISUSE


def test_reports_require_authentication(api_client):
    assert api_client.post(URL, {}).status_code == 401


def test_reports_are_throttled(auth_client, user, make_user, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    rates = {**ScopedRateThrottle.THROTTLE_RATES, "reports": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    client = auth_client(user)
    targets = [make_user(f"target{n}").handle for n in range(4)]
    codes = [
        client.post(URL, {"target_type": "user", "target_id": t, "reason": "spam"}).status_code
        for t in targets
    ]
    assert codes == [201, 201, 201, 429]
    assert Report.objects.count() == 3


def test_url_names():
    assert reverse("moderation:report-create") == URL
