"""The `moderators` group, and the audit log made append-only in the database itself."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    # The queue and the actions taken from it.
    ("moderation", "view_reviewitem"),
    ("moderation", "act_on_reviewitem"),
    ("moderation", "view_report"),
    ("moderation", "view_moderationaction"),
    ("moderation", "view_strike"),
    ("moderation", "view_appeal"),
    ("moderation", "decide_appeal"),
    # The policy registry: read, never write (admins and superusers do that).
    ("moderation", "view_blockedterm"),
    ("moderation", "view_blockedconcept"),
    ("moderation", "view_protectedentity"),
    ("moderation", "view_blockedframehash"),
]


def create_moderators_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now
    # so the group can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="moderators")
    for app_label, codename in MODERATOR_PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_moderators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="moderators").delete()


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION moderation_action_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'moderation_moderationaction is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_action_no_update_delete
    BEFORE UPDATE OR DELETE ON moderation_moderationaction
    FOR EACH ROW EXECUTE FUNCTION moderation_action_append_only();
"""
DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS moderation_action_no_update_delete ON moderation_moderationaction;
DROP FUNCTION IF EXISTS moderation_action_append_only();
"""


def make_log_append_only(apps, schema_editor):
    # PostgreSQL only: row triggers do not fire on TRUNCATE, so test flushes still work. On
    # SQLite (local default) the model and its queryset refuse updates and deletes.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)  # "%" is PL/pgSQL, not a placeholder


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_moderators_group, remove_moderators_group),
        migrations.RunPython(make_log_append_only, drop_append_only),
    ]
