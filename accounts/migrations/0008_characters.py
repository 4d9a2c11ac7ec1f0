"""Characters: non-human cameos with their own handle, and one handle namespace.

`accounts_handle` holds one row per user and per character; the unique Lower(handle) index is
what makes a handle taken in any case across both. The rows are written by triggers on
accounts_user and accounts_cameo (PostgreSQL and SQLite dialects below), so every way of
creating a user or a character — the API, the admin, createsuperuser, raw SQL — claims its
handle in the same statement, and a clash fails that statement. Existing users are backfilled.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

PG_CREATE = """
CREATE OR REPLACE FUNCTION accounts_user_handle_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO accounts_handle (handle, user_id) VALUES (NEW.handle, NEW.id);
    ELSIF NEW.handle IS DISTINCT FROM OLD.handle THEN
        UPDATE accounts_handle SET handle = NEW.handle WHERE user_id = NEW.id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounts_cameo_handle_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.handle IS NOT DISTINCT FROM OLD.handle THEN
            RETURN NULL;
        END IF;
        DELETE FROM accounts_handle WHERE cameo_id = OLD.id;
    END IF;
    IF NEW.handle IS NOT NULL THEN
        INSERT INTO accounts_handle (handle, cameo_id) VALUES (NEW.handle, NEW.id);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accounts_user_handle_sync ON accounts_user;
CREATE TRIGGER accounts_user_handle_sync AFTER INSERT OR UPDATE OF handle ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION accounts_user_handle_sync();
DROP TRIGGER IF EXISTS accounts_cameo_handle_sync ON accounts_cameo;
CREATE TRIGGER accounts_cameo_handle_sync AFTER INSERT OR UPDATE OF handle ON accounts_cameo
    FOR EACH ROW EXECUTE FUNCTION accounts_cameo_handle_sync();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS accounts_user_handle_sync ON accounts_user;
DROP TRIGGER IF EXISTS accounts_cameo_handle_sync ON accounts_cameo;
DROP FUNCTION IF EXISTS accounts_user_handle_sync();
DROP FUNCTION IF EXISTS accounts_cameo_handle_sync();
"""

SQLITE_CREATE = [
    """CREATE TRIGGER accounts_user_handle_insert AFTER INSERT ON accounts_user
    BEGIN INSERT INTO accounts_handle (handle, user_id) VALUES (NEW.handle, NEW.id); END""",
    """CREATE TRIGGER accounts_user_handle_update AFTER UPDATE OF handle ON accounts_user
    WHEN NEW.handle IS NOT OLD.handle
    BEGIN UPDATE accounts_handle SET handle = NEW.handle WHERE user_id = NEW.id; END""",
    """CREATE TRIGGER accounts_cameo_handle_insert AFTER INSERT ON accounts_cameo
    WHEN NEW.handle IS NOT NULL
    BEGIN INSERT INTO accounts_handle (handle, cameo_id) VALUES (NEW.handle, NEW.id); END""",
    """CREATE TRIGGER accounts_cameo_handle_update AFTER UPDATE OF handle ON accounts_cameo
    WHEN NEW.handle IS NOT OLD.handle
    BEGIN
        DELETE FROM accounts_handle WHERE cameo_id = OLD.id;
        INSERT INTO accounts_handle (handle, cameo_id)
            SELECT NEW.handle, NEW.id WHERE NEW.handle IS NOT NULL;
    END""",
]
SQLITE_TRIGGERS = (
    "accounts_user_handle_insert",
    "accounts_user_handle_update",
    "accounts_cameo_handle_insert",
    "accounts_cameo_handle_update",
)
BACKFILL = "INSERT INTO accounts_handle (handle, user_id) SELECT handle, id FROM accounts_user"


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE, None)
    elif vendor == "sqlite":
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement, None)
    else:
        raise RuntimeError(f"accounts 0008: no handle triggers for {vendor}.")
    schema_editor.execute(BACKFILL, None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DROP, None)
    else:
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", None)
    schema_editor.execute("DELETE FROM accounts_handle", None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_merge_20261202_0219"),
    ]

    operations = [
        migrations.CreateModel(
            name="Handle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("handle", models.CharField(max_length=30)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name="cameo",
            name="cameo_one_live_per_owner",
        ),
        migrations.AddField(
            model_name="cameo",
            name="handle",
            field=models.CharField(
                blank=True,
                max_length=30,
                null=True,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[a-z0-9_]{3,30}$",
                        "3-30 characters: lowercase letters, digits and underscores.",
                        code="invalid",
                    )
                ],
            ),
        ),
        migrations.AddField(
            model_name="cameo",
            name="kind",
            field=models.CharField(
                choices=[
                    ("person", "Person"),
                    ("pet", "Pet"),
                    ("object", "Object"),
                    ("drawing", "Drawing"),
                    ("other", "Other"),
                ],
                default="person",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="cameo",
            name="name",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.AddField(
            model_name="cameo",
            name="reference_image",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddIndex(
            model_name="cameo",
            index=models.Index(
                fields=["owner", "kind", "-created_at"], name="accounts_ca_owner_i_848519_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="cameo",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("status", "revoked"), _negated=True), ("kind", "person")
                ),
                fields=("owner",),
                name="cameo_one_live_per_owner",
            ),
        ),
        migrations.AddConstraint(
            model_name="cameo",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("handle__isnull", True), ("kind", "person")),
                    models.Q(
                        models.Q(("kind", "person"), _negated=True),
                        ("handle__isnull", False),
                        ("handle__regex", "^[a-z0-9_]{3,30}$"),
                    ),
                    _connector="OR",
                ),
                name="cameo_character_has_handle",
            ),
        ),
        migrations.AddField(
            model_name="handle",
            name="cameo",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="handle_entry",
                to="accounts.cameo",
            ),
        ),
        migrations.AddField(
            model_name="handle",
            name="user",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="handle_entry",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="handle",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("handle"), name="handle_namespace_ci_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="handle",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("cameo__isnull", True), ("user__isnull", False)),
                    models.Q(("cameo__isnull", False), ("user__isnull", True)),
                    _connector="OR",
                ),
                name="handle_has_one_holder",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
