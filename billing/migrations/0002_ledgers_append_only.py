"""The credit ledger and the revenue-share statements are accounting records: on PostgreSQL a
trigger refuses every UPDATE and DELETE of their rows at the database (billing/models.py), as
accounts/migrations/0002 does for the consent ledger. Their foreign keys are PROTECT, so no
cascade ever needs to touch them."""

from django.db import migrations

TABLES = ("billing_creditentry", "billing_revenueshareentry")

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION billing_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""

CREATE_TRIGGER = """
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, None)
    for table in TABLES:
        schema_editor.execute(CREATE_TRIGGER.format(table=table), None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};", None)
    schema_editor.execute("DROP FUNCTION IF EXISTS billing_append_only();", None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers, elidable=False)]
