"""The `moderators` staff group and what it may do.

Created by migration 0002 and ensured again after every migrate/flush (post_migrate), because a
test-database flush empties auth tables while the data migration does not run again.
"""

MODERATORS_GROUP = "moderators"

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
    ("moderation", "view_blockedpdqhash"),
    ("moderation", "view_blockedclip"),
    ("moderation", "view_hashmatch"),
    # "Block this clip everywhere" (the console action on a video): adds a vPDQ signature.
    ("moderation", "block_clip"),
    # Trend review (discovery): moderators approve or reject what GET trends may show.
    ("discovery", "view_trend"),
    ("discovery", "review_trend"),
]


def ensure_moderators_group(Group, Permission):
    """Create the group if needed and give it exactly the listed permissions (idempotent)."""
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = [
        Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        for app_label, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set([p for p in wanted if p is not None])
    return group


def on_post_migrate(sender, app_config=None, **kwargs):
    # Again after discovery's permissions exist (it migrates after moderation).
    if app_config is None or app_config.label not in ("moderation", "discovery"):
        return
    from django.contrib.auth.models import Group, Permission

    ensure_moderators_group(Group, Permission)
