"""Registration, the follow graph, blocks and suspensions: every change to users and their edges.

Counters (`follower_count`, `following_count`) move only in SQL with F() in the same transaction
as the edge they count, and only when an edge was really created or deleted, so they stay exact
under retries and concurrent requests (the unique constraints decide who wins).
"""

import uuid
from datetime import UTC, datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from rest_framework.exceptions import NotFound, ValidationError

from accounts.exceptions import CannotBlockSelf, CannotFollowSelf
from accounts.models import Block, Follow, Handle, Notification, User
from accounts.services.notifications import notify
from accounts.signals import user_suspended
from config.storage import delete_file, save_file
from events.event_types import EventType
from events.services import record_event
from media.images import image_extension


def normalize_handle(handle: str) -> str:
    return handle.strip().lower()


def handle_taken(handle: str) -> bool:
    """Whether a user or a character holds `handle` in any letter case (one namespace,
    accounts.models.Handle); the database's unique index has the last word on a race."""
    return Handle.objects.filter(handle__iexact=handle).exists()


def register_user(*, handle, email, password, display_name="", birth_date=None) -> User:
    """Create a user; a handle taken in any letter case is a 400 on `handle`, not a 500."""
    handle = normalize_handle(handle)
    candidate = User(handle=handle, email=email, display_name=display_name, birth_date=birth_date)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    if handle_taken(handle):  # a user's or a character's, in any case
        raise ValidationError({"handle": ["This handle is taken."]}, code="handle_taken")
    try:
        with transaction.atomic():
            return User.objects.create_user(
                handle, email, password, display_name=display_name, birth_date=birth_date
            )
    except IntegrityError:
        # Lost a race with a concurrent registration of the same handle.
        raise ValidationError({"handle": ["This handle is taken."]}, code="handle_taken") from None


_UNCHANGED = object()


def update_profile(user: User, *, avatar=_UNCHANGED, **fields) -> User:
    """Change the caller's own profile fields; `avatar` is sanitized image bytes, b"" removes it.

    The new avatar file is stored first and deleted again if the row update fails, and the old
    one is deleted only after commit, so the row never points at a missing file.
    """

    old_avatar = user.avatar
    new_avatar = None
    if avatar is not _UNCHANGED:
        if avatar:
            name = f"avatars/{user.pk}/{uuid.uuid4().hex}.{image_extension(avatar)}"
            new_avatar = save_file(name, avatar)
            fields["avatar"] = new_avatar
        else:
            fields["avatar"] = ""
    if not fields:
        return user
    try:
        with transaction.atomic():
            for field, value in fields.items():
                setattr(user, field, value)
            user.save(update_fields=list(fields))
    except Exception:
        if new_avatar:
            delete_file(new_avatar)
        raise
    if "avatar" in fields and old_avatar and old_avatar != user.avatar:
        transaction.on_commit(lambda: delete_file(old_avatar))
    return user


def _adjust_counts(follower_id: int, followee_id: int, delta: int) -> None:
    """Move both counters in SQL. Rows are updated in primary-key order so that A following B
    while B follows A cannot deadlock (both transactions lock the lower id first)."""
    # Greatest(…, 0) keeps the unsigned column valid even if a counter was ever off by one.
    updates = [
        (follower_id, {"following_count": Greatest(F("following_count") + delta, 0)}),
        (followee_id, {"follower_count": Greatest(F("follower_count") + delta, 0)}),
    ]
    for pk, values in sorted(updates, key=lambda item: item[0]):
        User.objects.filter(pk=pk).update(**values)


def follow_user(follower: User, target: User) -> bool:
    """Follow `target`; True if a new edge was created. Idempotent. Blocked pairs cannot follow."""
    if follower.pk == target.pk:
        raise CannotFollowSelf()
    if is_blocked_between(follower, target):
        # Blocked users do not see each other at all: same answer as for a missing user.
        raise NotFound("No such user.")
    try:
        with transaction.atomic():
            _, created = Follow.objects.get_or_create(follower=follower, followee=target)
            if created:
                _adjust_counts(follower.pk, target.pk, +1)
                # A row in the same transaction: rolled back together with the follow.
                notify(target, Notification.Kind.FOLLOW, actor=follower)
                record_event(EventType.USER_FOLLOWED, user=target, actor=follower)
    except IntegrityError:
        created = False  # a concurrent request created the same edge first
    return created


def _delete_follow(follower_id: int, followee_id: int) -> bool:
    deleted, _ = Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
    if deleted:
        _adjust_counts(follower_id, followee_id, -1)
    return bool(deleted)


def unfollow_user(follower: User, target: User) -> bool:
    """Stop following `target`; True if an edge was removed. Idempotent."""
    with transaction.atomic():
        return _delete_follow(follower.pk, target.pk)


def block_user(blocker: User, target: User) -> bool:
    """Block `target` (True if new) and drop follows in both directions, in one transaction."""
    if blocker.pk == target.pk:
        raise CannotBlockSelf()
    with transaction.atomic():
        try:
            with transaction.atomic():
                _, created = Block.objects.get_or_create(blocker=blocker, blocked=target)
        except IntegrityError:
            created = False
        _delete_follow(blocker.pk, target.pk)
        _delete_follow(target.pk, blocker.pk)
    return created


def unblock_user(blocker: User, target: User) -> bool:
    """Lift a block; True if one was removed. Follows removed by the block do not come back."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=target).delete()
    return bool(deleted)


def blocked_user_ids(user: User) -> set[int]:
    """Ids of users `user` blocks or is blocked by: hide them from each other everywhere."""
    if user is None or not user.is_authenticated:
        return set()
    rows = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list(
        "blocker_id", "blocked_id"
    )
    return {other for pair in rows for other in pair if other != user.pk}


def is_blocked_between(a: User, b: User) -> bool:
    if a is None or b is None or not a.is_authenticated or not b.is_authenticated:
        return False
    return Block.objects.filter(
        Q(blocker_id=a.pk, blocked_id=b.pk) | Q(blocker_id=b.pk, blocked_id=a.pk)
    ).exists()


def are_mutuals(a: User, b: User) -> bool:
    """Both follow each other (follows are removed on block, so blocked pairs are never mutual)."""
    if a.pk == b.pk:
        return False
    return (
        Follow.objects.filter(
            Q(follower_id=a.pk, followee_id=b.pk) | Q(follower_id=b.pk, followee_id=a.pk)
        ).count()
        == 2
    )


def suspend_user(user: User, *, until, reason: str, actor=None) -> None:
    """Suspend until `until` (None = indefinitely, stored as year 9999) and announce it.

    `user_suspended` is sent inside the transaction with `until` = the new suspended_until,
    so receivers' changes commit or roll back with the suspension.
    """
    stored_until = until or datetime(9999, 12, 31, tzinfo=UTC)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(suspended_until=stored_until)
        user.suspended_until = stored_until
        user_suspended.send(sender=User, user=user, until=stored_until, reason=reason, actor=actor)


def unsuspend_user(user: User, *, actor=None) -> None:
    """Lift a suspension; announced as `user_suspended` with until=None, reason "unsuspended"."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(suspended_until=None)
        user.suspended_until = None
        user_suspended.send(sender=User, user=user, until=None, reason="unsuspended", actor=actor)
