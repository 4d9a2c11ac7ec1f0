"""Migration 0005 moves ledgers written with handles and free text inside the hash to the
ids-only form (accounts/ledger.py), re-hashing each chain that verified and recording it."""

import hashlib
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.ledger import GENESIS_HASH, details_match, verify_ledger
from accounts.models import ConsentEvent, LedgerRehash, User

BEFORE = [("accounts", "0004_api_keys")]
AFTER = [("accounts", "0005_ledger_ids_only_and_erasure")]


def _v1_hash(prev_hash, *, seq, action, actor, at, data, cameo):
    canonical = json.dumps(
        {
            "seq": seq,
            "action": action,
            "actor": actor,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "data": data,
            "prev_hash": prev_hash,
            "cameo": str(cameo),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _write_v1_chain(apps, owner, cameo, rows):
    """Rows (action, actor or None, data) in the old form: the actor's handle hashed."""
    Event = apps.get_model("accounts", "ConsentEvent")
    prev = GENESIS_HASH
    for seq, (action, actor, data) in enumerate(rows, start=1):
        at = datetime(2026, 11, 1, 12, seq, tzinfo=UTC)
        handle = actor.handle if actor else ""
        digest = _v1_hash(
            prev, seq=seq, action=action, actor=handle, at=at, data=data, cameo=cameo.pk
        )
        Event.objects.create(
            owner=owner,
            cameo=cameo,
            seq=seq,
            action=action,
            actor=actor,
            actor_handle=handle,
            at=at,
            data=data,
            prev_hash=prev,
            hash=digest,
        )
        prev = digest
    return prev


@pytest.fixture
def back_to_latest_schema():
    """This test leaves the database at AFTER; put every app back at its newest migration so
    the transactional tests after it see today's schema (they share the one test database)."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_chains_are_rehashed_without_personal_data_and_recorded(back_to_latest_schema):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    OldUser = apps.get_model("accounts", "User")
    OldCameo = apps.get_model("accounts", "Cameo")
    alice = OldUser.objects.create(handle="alice", email="a@example.com", password="!")
    bob = OldUser.objects.create(handle="bob", email="b@example.com", password="!")
    mallory = OldUser.objects.create(handle="mallory", email="m@example.com", password="!")
    cameo = OldCameo.objects.create(id=uuid.uuid4(), owner=alice, source_clip="c.mp4")
    old_head = _write_v1_chain(
        apps,
        alice,
        cameo,
        [
            ("created", alice, {"consent": True, "permission": "only_me"}),
            ("verified", None, {"duration": 3.0}),
            ("instructions_changed", alice, {"instructions": "Zoë wears a hat"}),
            ("granted", alice, {"grantee": "bob"}),
            ("used", bob, {"job_id": str(uuid.uuid4())}),
        ],
    )
    # A chain that was already broken before the migration must not be laundered.
    mallory_cameo = OldCameo.objects.create(id=uuid.uuid4(), owner=mallory, source_clip="m.mp4")
    _write_v1_chain(apps, mallory, mallory_cameo, [("created", mallory, {"consent": True})])
    Event = apps.get_model("accounts", "ConsentEvent")
    forged = Event.objects.get(owner=mallory)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_consentevent DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE accounts_consentevent SET data = %s WHERE id = %s",
            [json.dumps({"consent": False}), forged.pk],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE accounts_consentevent ENABLE TRIGGER USER")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    alice, bob, mallory = (User.objects.get(handle=h) for h in ("alice", "bob", "mallory"))
    assert verify_ledger(alice) is True
    events = list(ConsentEvent.objects.filter(owner=alice).order_by("seq"))
    hashed = json.dumps([[e.actor_ref, e.data] for e in events], ensure_ascii=False)
    assert "alice" not in hashed and "bob" not in hashed and "Zoë" not in hashed
    assert [e.actor_ref for e in events] == [
        str(alice.pk),
        "",
        str(alice.pk),
        str(alice.pk),
        str(bob.pk),
    ]
    assert events[3].data["grantee_id"] == bob.pk
    assert events[3].details["values"] == {"grantee": "bob"}
    assert events[2].details["values"] == {"instructions": "Zoë wears a hat"}
    assert all(details_match(e) for e in events)
    record = LedgerRehash.objects.get(owner=alice)
    assert record.chain_was_valid is True
    assert (record.old_head_hash, record.new_head_hash) == (old_head, events[-1].hash)
    assert record.events == 5

    assert verify_ledger(mallory) is False
    broken = LedgerRehash.objects.get(owner=mallory)
    assert broken.chain_was_valid is False and broken.new_head_hash == ""
    assert ConsentEvent.objects.get(owner=mallory).actor_ref == ""  # left as it was
