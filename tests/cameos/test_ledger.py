"""The consent ledger: a gap-free hash chain per owner that nobody can rewrite."""

import hashlib
import json
from datetime import datetime
from unittest.mock import ANY

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.deletion import ProtectedError

from accounts.exceptions import CameoUseRefused
from accounts.ledger import GENESIS_HASH, verify_ledger
from accounts.models import AppendOnlyError, ConsentEvent
from accounts.services import cameo_use, cameos

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (trigger)"
)


def _tamper(sql, params):
    """Change a ledger row behind the application's back (the trigger switched off on PG)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred FK checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE accounts_consentevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_consentevent ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _independent_hash(event: dict) -> str:
    """The documented hash, recomputed from an exported/listed event without our code: the
    canonical text is rebuilt from the event's fields (its `at` from the canonical form, the
    same instant as the event's millisecond `at`; `actor` = the event's actor_ref) and must
    equal the `canonical` it carries."""
    hashed_at = json.loads(event["canonical"])["at"]
    at = datetime.fromisoformat(hashed_at)
    assert at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z" == event["at"]
    canonical = json.dumps(
        {
            **{k: event[k] for k in ("seq", "action", "data", "prev_hash", "cameo")},
            "actor": event["actor_ref"],
            "at": hashed_at,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert canonical == event["canonical"]
    return hashlib.sha256((event["prev_hash"] + canonical).encode()).hexdigest()


def test_events_chain_from_genesis_with_consecutive_seq(user, other_user, make_cameo):
    cameo = make_cameo(user, permission="approved", instructions="Always smiling")
    cameos.grant_cameo(user, other_user)
    events = list(ConsentEvent.objects.filter(owner=user).order_by("seq"))
    assert [e.action for e in events] == [
        "created",
        "verified",
        "permission_changed",
        "instructions_changed",
        "granted",
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash
    assert {e.cameo_id for e in events} == {cameo.pk}
    # Ids inside the hash; the handle beside it (accounts/ledger.py: no personal data hashed).
    assert events[4].data == {"grantee_id": other_user.pk, "private_hmac": ANY}
    assert events[4].details["values"] == {"grantee": other_user.handle}
    assert events[4].actor_ref == str(user.pk)
    assert events[3].details["values"] == {"instructions": "Always smiling"}
    assert "Always smiling" not in json.dumps(events[3].data)
    assert verify_ledger(user) is True


def test_each_owner_has_an_own_chain(user, other_user, make_cameo):
    make_cameo(user)
    make_cameo(other_user)
    assert list(ConsentEvent.objects.filter(owner=other_user).values_list("seq", flat=True)) == [
        1,
        2,
    ]
    assert ConsentEvent.objects.get(owner=other_user, seq=1).prev_hash == GENESIS_HASH
    assert verify_ledger(user) and verify_ledger(other_user)


def test_rows_cannot_be_changed_or_deleted_through_the_orm(user, make_cameo):
    make_cameo(user)
    event = ConsentEvent.objects.filter(owner=user).first()
    event.data = {"consent": False}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(owner=user).update(data={})
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(owner=user).delete()
    with pytest.raises(AppendOnlyError):
        user.consent_events.all().delete()
    assert verify_ledger(user) is True


def test_owner_with_a_ledger_cannot_be_deleted(user, make_cameo):
    """Accounts with a ledger are deactivated, not deleted: the ledger is evidence."""
    make_cameo(user)
    with pytest.raises(ProtectedError), transaction.atomic():
        user.delete()
    assert ConsentEvent.objects.filter(owner=user).count() == 2


def test_tampered_data_is_detected(user, other_user, make_cameo, auth_client):
    make_cameo(user, permission="approved")
    cameos.grant_cameo(user, other_user)
    client = auth_client(user)
    assert client.get("/api/v1/cameos/me/ledger?verify=1").json()["valid"] is True
    _tamper(
        "UPDATE accounts_consentevent SET data = %s WHERE owner_id = %s AND seq = 4",
        [json.dumps({"grantee": "mallory"}), user.pk],
    )
    assert verify_ledger(user) is False
    body = client.get("/api/v1/cameos/me/ledger?verify=1").json()
    assert body["valid"] is False
    export = json.loads(client.get("/api/v1/cameos/me/ledger/export").content)
    assert export["valid"] is False


def test_a_removed_row_is_detected(user, make_cameo):
    make_cameo(user, permission="approved")
    _tamper("DELETE FROM accounts_consentevent WHERE owner_id = %s AND seq = 2", [user.pk])
    assert verify_ledger(user) is False


def test_a_rehashed_row_still_breaks_the_next_link(user, make_cameo):
    """Rewriting a row *and* its own hash is caught by the following row's prev_hash."""
    make_cameo(user, permission="approved")
    event = ConsentEvent.objects.get(owner=user, seq=2)
    event.data = {"forged": True}
    from accounts.ledger import event_hash

    _tamper(
        "UPDATE accounts_consentevent SET data = %s, hash = %s WHERE id = %s",
        [json.dumps(event.data), event_hash(event), event.pk],
    )
    assert verify_ledger(user) is False


def test_ledger_endpoint_lists_my_events_in_seq_order(user, make_cameo, auth_client):
    make_cameo(user, permission="approved", instructions="No hats")
    client = auth_client(user)
    body = client.get("/api/v1/cameos/me/ledger?page_size=2").json()
    assert [e["seq"] for e in body["results"]] == [1, 2]
    assert "valid" not in body
    second = client.get(body["next"]).json()
    assert [e["seq"] for e in second["results"]] == [3, 4]
    event = body["results"][0]
    assert set(event) == {
        "seq",
        "action",
        "actor",
        "actor_ref",
        "at",
        "data",
        "details",
        "canonical",
        "cameo",
        "prev_hash",
        "hash",
    }
    assert event["actor"] == "alice"
    assert event["actor_ref"] == str(user.pk)
    assert event["hash"] == _independent_hash(event)


def test_ledger_list_query_budget(
    user, make_cameo, auth_client, make_user, django_assert_max_num_queries
):
    make_cameo(user, permission="approved")
    for index in range(8):
        cameos.grant_cameo(user, make_user(f"friend{index}"))
    client = auth_client(user)
    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/cameos/me/ledger?verify=1")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 11
    assert response.json()["valid"] is True


def test_export_is_an_attachment_an_outsider_can_verify(user, other_user, make_cameo, auth_client):
    make_cameo(user, permission="approved", instructions="Zoë says hi")
    cameos.grant_cameo(user, other_user)
    response = auth_client(user).get("/api/v1/cameos/me/ledger/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    body = json.loads(response.content)
    assert body["owner"] == "alice"
    assert body["valid"] is True
    events = body["events"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    prev = body["genesis_prev_hash"]
    for event in events:
        assert event["prev_hash"] == prev
        assert event["hash"] == _independent_hash(event)
        prev = event["hash"]


def test_another_user_never_sees_my_ledger(user, other_user, make_cameo, auth_client):
    make_cameo(user)
    client = auth_client(other_user)
    assert client.get("/api/v1/cameos/me/ledger").json()["results"] == []
    export = json.loads(client.get("/api/v1/cameos/me/ledger/export").content)
    assert export["owner"] == "bob"
    assert export["events"] == []


def test_ledger_needs_authentication(api_client, db):
    assert api_client.get("/api/v1/cameos/me/ledger").status_code == 401
    assert api_client.get("/api/v1/cameos/me/ledger/export").status_code == 401


@on_postgresql
def test_trigger_refuses_update_and_delete_in_sql(user, make_cameo):
    make_cameo(user)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_consentevent SET action = 'revoked' WHERE owner_id = %s", [user.pk]
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_consentevent WHERE owner_id = %s", [user.pk])
    assert ConsentEvent.objects.filter(owner=user).count() == 2
    assert verify_ledger(user) is True


@on_postgresql
def test_deleting_an_actor_keeps_the_chain_valid(user, make_user, make_cameo):
    """The trigger lets ON DELETE SET NULL of the actor through; the hash covers actor_ref,
    which stays."""
    carol = make_user("carol")
    make_cameo(user, permission="approved")
    cameos.grant_cameo(user, carol)
    cameos.update_cameo_settings(user, permission="only_me")
    with pytest.raises(CameoUseRefused):
        cameo_use.check_cameo_use(carol, cameos.live_cameo(user), context="test")
    refused = ConsentEvent.objects.get(owner=user, action="use_refused")
    assert refused.actor_id == carol.pk
    carol.delete()
    refused = ConsentEvent.objects.get(pk=refused.pk)
    assert refused.actor_id is None
    assert refused.actor_handle == "carol"
    assert verify_ledger(user) is True
