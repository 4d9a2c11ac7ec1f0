"""The consent ledger is evidence: owners with a ledger cannot be deleted (PROTECT), and on
PostgreSQL a trigger refuses UPDATE and DELETE of its rows at the database (accounts/ledger.py).

The trigger lets exactly one UPDATE through: `actor_id` going to NULL while every other column
stays the same (ON DELETE SET NULL of the acting user); the hash covers `actor_handle`.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE_TRIGGER = """
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

DROP TRIGGER IF EXISTS accounts_consentevent_append_only ON accounts_consentevent;
CREATE TRIGGER accounts_consentevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_consentevent
    FOR EACH ROW EXECUTE FUNCTION accounts_consentevent_append_only();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS accounts_consentevent_append_only ON accounts_consentevent;
DROP FUNCTION IF EXISTS accounts_consentevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER, None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consentevent",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="consent_events",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="consentevent",
            name="cameo",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="accounts.cameo",
            ),
        ),
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
