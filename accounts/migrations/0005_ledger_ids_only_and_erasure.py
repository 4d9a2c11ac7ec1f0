"""No personal data inside hashed consent-ledger rows (issue 15, DESIGN.md v1.1 "Ledgers").

Before this migration a ledger row hashed the acting user's *handle* (`actor`), grantees'
handles and the owner's free-text instructions (`data`), so erasing an account could only
either keep that personal data forever or break every chain it appeared in. From here on the
hash covers ids only (accounts/ledger.py): `actor_ref` (the actor's id), `data.grantee_id`,
and a salted HMAC of free text; the personal values move to the unhashed `details` and
`actor_handle`, which erasure may blank.

Existing chains are re-hashed into that form, with a recorded reason (`LedgerRehash`: old head
hash, new head hash), because keeping them in the old form would keep handles and free text
inside hashes for good. Each chain is verified in its old form first; a chain that was already
broken is left exactly as it was (it keeps failing verification, as it should: re-hashing must
never launder tampering) and recorded with chain_was_valid=False.

The PostgreSQL append-only trigger is replaced: besides ON DELETE SET NULL of `actor_id` it
now lets through exactly the forgetting of unhashed columns (`actor_handle` → '', `details` →
'{}'), with every hashed column unchanged.
"""

import hashlib
import hmac
import json
import secrets
from datetime import UTC

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

REASON = (
    "ledger v2 (issue 15): hashed rows hold ids only, personal values moved to unhashed "
    "details, so erasing an account never breaks a chain"
)
GENESIS_HASH = "0" * 64

NEW_TRIGGER = """
CREATE OR REPLACE FUNCTION accounts_consentevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (NEW.id, NEW.owner_id, NEW.cameo_id, NEW.seq, NEW.action, NEW.actor_ref,
            NEW.at, NEW.data, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.owner_id, OLD.cameo_id, OLD.seq, OLD.action, OLD.actor_ref,
            OLD.at, OLD.data, OLD.prev_hash, OLD.hash)
       AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
       AND (NEW.actor_handle = OLD.actor_handle OR NEW.actor_handle = '')
       AND (NEW.details = OLD.details OR NEW.details = '{}'::jsonb) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'accounts_consentevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

OLD_TRIGGER = """
CREATE OR REPLACE FUNCTION accounts_consentevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL
       AND (NEW.id, NEW.owner_id, NEW.cameo_id, NEW.seq, NEW.action, NEW.actor_handle,
            NEW.at, NEW.data, NEW.prev_hash, NEW.hash)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.owner_id, OLD.cameo_id, OLD.seq, OLD.action, OLD.actor_handle,
            OLD.at, OLD.data, OLD.prev_hash, OLD.hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING
        MESSAGE = 'accounts_consentevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def _canonical(event, actor: str, data: dict) -> str:
    # Frozen copy of accounts.ledger.canonical_json (a migration must not follow later edits).
    return json.dumps(
        {
            "seq": event.seq,
            "action": event.action,
            "actor": actor or "",
            "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "data": data,
            "prev_hash": event.prev_hash,
            "cameo": str(event.cameo_id),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _hash(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _v1_chain_valid(events) -> bool:
    prev_hash = GENESIS_HASH
    for expected_seq, event in enumerate(events, start=1):
        if event.seq != expected_seq or event.prev_hash != prev_hash:
            return False
        if _hash(prev_hash, _canonical(event, event.actor_handle, event.data)) != event.hash:
            return False
        prev_hash = event.hash
    return True


def _private_hmac(salt: str, values: dict) -> str:
    message = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(bytes.fromhex(salt), message.encode(), hashlib.sha256).hexdigest()


def _split(event, user_ids_by_handle) -> tuple[str, dict, dict]:
    """(actor_ref, hashed data, unhashed details) of a v1 row."""
    if event.actor_id is not None:
        actor_ref = str(event.actor_id)
    else:  # the system, or an actor deleted since (its id is gone with it)
        actor_ref = "deleted" if event.actor_handle else ""
    data = dict(event.data or {})
    private = {}
    if "grantee" in data:
        private["grantee"] = data.pop("grantee")
        data["grantee_id"] = user_ids_by_handle.get(str(private["grantee"]).lower())
    if "instructions" in data:
        private["instructions"] = data.pop("instructions")
    details = {}
    if private:
        details = {"salt": secrets.token_hex(16), "values": private}
        data["private_hmac"] = _private_hmac(details["salt"], private)
    return actor_ref, data, details


def replace_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NEW_TRIGGER, None)


def restore_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(OLD_TRIGGER, None)


def drop_trigger_function_guard(apps, schema_editor):
    """Let the re-hash below write: the old function refuses any change of a hashed column."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE accounts_consentevent DISABLE TRIGGER accounts_consentevent_append_only",
            None,
        )


def enable_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE accounts_consentevent ENABLE TRIGGER accounts_consentevent_append_only",
            None,
        )


def rehash_chains(apps, schema_editor):
    ConsentEvent = apps.get_model("accounts", "ConsentEvent")
    LedgerRehash = apps.get_model("accounts", "LedgerRehash")
    User = apps.get_model("accounts", "User")
    owner_ids = list(ConsentEvent.objects.order_by().values_list("owner_id", flat=True).distinct())
    if not owner_ids:
        return
    user_ids_by_handle = {
        handle.lower(): pk for pk, handle in User.objects.values_list("pk", "handle")
    }
    for owner_id in owner_ids:
        events = list(ConsentEvent.objects.filter(owner_id=owner_id).order_by("seq"))
        old_head = events[-1].hash
        if not _v1_chain_valid(events):
            LedgerRehash.objects.create(
                owner_id=owner_id,
                reason=REASON + "; not re-hashed: the chain was already broken",
                events=len(events),
                chain_was_valid=False,
                old_head_hash=old_head,
            )
            continue
        prev_hash = GENESIS_HASH
        for event in events:
            actor_ref, data, details = _split(event, user_ids_by_handle)
            event.prev_hash = prev_hash
            event.hash = _hash(prev_hash, _canonical(event, actor_ref, data))
            ConsentEvent.objects.filter(pk=event.pk).update(
                actor_ref=actor_ref,
                data=data,
                details=details,
                prev_hash=event.prev_hash,
                hash=event.hash,
            )
            prev_hash = event.hash
        LedgerRehash.objects.create(
            owner_id=owner_id,
            reason=REASON,
            events=len(events),
            chain_was_valid=True,
            old_head_hash=old_head,
            new_head_hash=prev_hash,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="consentevent",
            name="actor_ref",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="consentevent",
            name="details",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="user",
            name="erased_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="LedgerRehash",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.CharField(max_length=255)),
                ("events", models.PositiveIntegerField()),
                (
                    "chain_was_valid",
                    models.BooleanField(help_text="False: left as it was (already broken)."),
                ),
                ("old_head_hash", models.CharField(max_length=64)),
                ("new_head_hash", models.CharField(blank=True, max_length=64)),
                (
                    "owner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="ledger_rehashes",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(replace_trigger, restore_trigger, elidable=False),
        migrations.RunPython(drop_trigger_function_guard, enable_trigger, elidable=False),
        # Not reversible in meaning: a re-hashed chain is not turned back (LedgerRehash keeps
        # the old head hash); going back only restores the old trigger.
        migrations.RunPython(rehash_chains, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(enable_trigger, drop_trigger_function_guard, elidable=False),
    ]
