"""GET notifications (only the caller's) and POST notifications/read."""

import pytest
from django.db import connection

from accounts.models import Notification
from accounts.services.notifications import notify, notify_sql
from accounts.services.users import block_user

pytestmark = pytest.mark.django_db


def test_notifications_are_only_the_callers(auth_client, user, other_user, make_user):
    carol = make_user("carol")
    notify(user, Notification.Kind.FOLLOW, actor=other_user)
    notify(other_user, Notification.Kind.LIKE, actor=carol, data={"video_id": "x"})
    rows = auth_client(user).get("/api/v1/notifications").json()["results"]
    assert len(rows) == 1
    assert rows[0]["kind"] == "follow"
    assert rows[0]["actor"]["handle"] == "bob"
    assert rows[0]["read"] is False
    bob_rows = auth_client(other_user).get("/api/v1/notifications").json()["results"]
    assert [row["data"] for row in bob_rows] == [{"video_id": "x"}]


def test_mark_read_touches_only_the_callers(auth_client, user, other_user):
    notify(user, Notification.Kind.FOLLOW, actor=other_user)
    notify(other_user, Notification.Kind.FOLLOW, actor=user)
    response = auth_client(user).post("/api/v1/notifications/read")
    assert response.status_code == 200
    assert response.json() == {"marked_read": 1}
    assert Notification.objects.get(recipient=user).read_at is not None
    assert Notification.objects.get(recipient=other_user).read_at is None
    rows = auth_client(user).get("/api/v1/notifications").json()["results"]
    assert rows[0]["read"] is True


def test_notify_skips_self_and_blocked(user, other_user):
    assert notify(user, Notification.Kind.LIKE, actor=user) is None
    block_user(other_user, user)
    assert notify(user, Notification.Kind.LIKE, actor=other_user) is None
    assert notify(other_user, Notification.Kind.LIKE, actor=user) is None
    assert notify(user, Notification.Kind.MODERATION, data={"action": "warn"}) is not None
    assert Notification.objects.count() == 1


def test_notify_rejects_unknown_kind(user):
    with pytest.raises(ValueError):
        notify(user, "nonsense")


def test_notifications_from_later_blocked_actor_are_hidden(auth_client, user, other_user):
    notify(user, Notification.Kind.FOLLOW, actor=other_user)
    block_user(user, other_user)
    assert auth_client(user).get("/api/v1/notifications").json()["results"] == []


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/notifications").status_code == 401


def test_notifications_query_budget(auth_client, user, make_user, django_assert_max_num_queries):
    for i in range(30):
        notify(user, Notification.Kind.FOLLOW, actor=make_user(f"n{i:02d}"))
    with django_assert_max_num_queries(3):
        response = auth_client(user).get("/api/v1/notifications?page_size=30")
    assert len(response.json()["results"]) == 30


def test_system_notifications_stay_visible_when_viewer_blocks_someone(
    auth_client, user, other_user
):
    notify(user, Notification.Kind.MODERATION, data={"action": "warn"})
    block_user(user, other_user)
    rows = auth_client(user).get("/api/v1/notifications").json()["results"]
    assert [(row["kind"], row["actor"]) for row in rows] == [("moderation", None)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying CTE: PostgreSQL")
def test_notify_sql_applies_the_rules_of_notify(user, other_user, make_user):
    """The one-statement form (used by likes) skips the actor and blocks in both directions,
    exactly like notify()."""
    carol, dave = make_user("carol"), make_user("dave")
    block_user(carol, user)  # carol blocked the actor
    block_user(user, dave)  # the actor blocked dave
    sql, params = notify_sql(
        Notification.Kind.LIKE,
        source="r",
        recipient_column="uid",
        actor=user,
        data={"video": "v1"},
    )
    recipients = [user.id, other_user.id, carol.id, dave.id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH r AS (SELECT unnest(%s::bigint[]) AS uid) {sql}",  # noqa: S608
            [recipients, *params],
        )
    rows = [(n.recipient_id, n.actor_id, n.kind, n.data) for n in Notification.objects.all()]
    assert rows == [(other_user.id, user.id, "like", {"video": "v1"})]


def test_notify_sql_rejects_unknown_kind(user):
    with pytest.raises(ValueError):
        notify_sql("nonsense", source="r", recipient_column="uid", actor=user, data={})
