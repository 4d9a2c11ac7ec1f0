"""Demo data for the console: a moderator login and a small starter policy registry.

Idempotent; `make run`'s demo seed can call it (`call_command("seed_moderation")`).
"""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from moderation.groups import MODERATORS_GROUP, ensure_moderators_group
from moderation.models import BlockedConcept, BlockedTerm, ProtectedEntity

STARTER_TERMS = [
    # (pattern, is_regex, decision, reason)
    (r"\bhow\s+to\s+(make|build)\s+(a\s+)?(bomb|explosive)s?\b", True, "block", "weapons"),
    ("beheading", False, "block", "graphic violence"),
    ("self harm", False, "hold", "self-harm needs a human look"),
]
STARTER_CONCEPTS = [
    ("a person being hurt badly", ["someone gets beaten up", "a bloody attack"], "violence"),
    ("a child in danger", ["a kid being threatened"], "child safety"),
]
STARTER_ENTITIES = [
    # (name, kind, aliases, rights_holder, opted_in)
    ("Captain Marvelous", "character", ["Cap M"], "Example Comics", False),
    ("Fizzy Cola", "brand", ["Fizzy"], "Fizzy Beverages", True),
]


class Command(BaseCommand):
    help = "Create a demo moderator account and a starter moderation registry."

    def add_arguments(self, parser):
        parser.add_argument("--handle", default="moderator")
        parser.add_argument("--password", default="moderate-all-day")

    @transaction.atomic
    def handle(self, *args, handle, password, **options):

        ensure_moderators_group(Group, Permission)
        moderator = User.objects.filter(handle=handle).first()
        if moderator is None:
            moderator = User.objects.create_user(
                handle, f"{handle}@example.com", password, is_staff=True
            )
        moderator.groups.add(Group.objects.get(name=MODERATORS_GROUP))
        for pattern, is_regex, decision, reason in STARTER_TERMS:
            BlockedTerm.objects.get_or_create(
                pattern=pattern,
                is_regex=is_regex,
                defaults={"decision": decision, "reason": reason},
            )
        for description, examples, reason in STARTER_CONCEPTS:
            BlockedConcept.objects.get_or_create(
                description=description, defaults={"examples": examples, "reason": reason}
            )
        for name, kind, aliases, holder, opted_in in STARTER_ENTITIES:
            ProtectedEntity.objects.get_or_create(
                name=name,
                defaults={
                    "kind": kind,
                    "aliases": aliases,
                    "rights_holder": holder,
                    "opted_in": opted_in,
                },
            )
        self.stdout.write(f"moderator login: {handle} / {password} (admin console /admin/)")
