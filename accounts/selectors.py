"""Read helpers for users: fetch what the viewer may see, with the flags the API shows."""

import functools

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import NotFound

from accounts.models import Block, Cameo, Follow, User
from config.db import hot_query_cursor

_SENTINEL_ID = -7_000_000_003


@functools.cache
def _user_by_id_sql() -> tuple[str, tuple, tuple[str, ...]]:
    """SQL, parameters and column names of `User.objects.filter(pk=…)`, compiled once per
    process (compiling it cost more than running it)."""
    sql, params = User.objects.filter(pk=_SENTINEL_ID).query.sql_with_params()
    assert _SENTINEL_ID in params  # noqa: S101 - the id must be a parameter to be swapped
    return sql, tuple(params), tuple(f.attname for f in User._meta.concrete_fields)


def user_by_id(user_id) -> User | None:
    """The user row with this id (every column, as `User.objects.get` loads it), or None.

    The lookup of every JWT-authenticated request (accounts.authentication): on PostgreSQL
    compiled once per process and a prepared statement per connection (config/db.py); no
    copy is kept between requests, so a deactivation or a password change is seen at once.
    """
    if connection.vendor != "postgresql":
        return User.objects.filter(pk=user_id).first()
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    sql, params, columns = _user_by_id_sql()
    bound = [user_id if p == _SENTINEL_ID else p for p in params]
    with hot_query_cursor() as cursor:
        cursor.execute(sql, bound)
        row = cursor.fetchone()
    return None if row is None else User.from_db(connection.alias, list(columns), row)


def live_cameo_exists(user_ref: User | OuterRef) -> Exists:
    return Exists(Cameo.objects.filter(owner=user_ref).exclude(status=Cameo.Status.REVOKED))


def profiles(viewer: User) -> QuerySet[User]:
    """Active users annotated with has_cameo, followed_by_me and follows_me for `viewer`."""
    viewer_id = viewer.pk if viewer and viewer.is_authenticated else None
    return User.objects.filter(is_active=True).annotate(
        has_cameo=live_cameo_exists(OuterRef("pk")),
        followed_by_me=Exists(
            Follow.objects.filter(follower_id=viewer_id, followee=OuterRef("pk"))
        ),
        follows_me=Exists(Follow.objects.filter(follower=OuterRef("pk"), followee_id=viewer_id)),
    )


def access_user(viewer: User, handle: str, *, hide_blocked: bool = True) -> User:
    """The user with `handle` as `viewer` sees them; 404 alike for unknown, inactive and blocked.

    `hide_blocked=False` is for the block endpoints themselves: you must be able to unblock
    someone you blocked, and to block someone who blocked you.
    """
    # Handles are stored lowercase (a check constraint), so an exact match on the lowercased
    # input finds any spelling and uses the unique index.
    user = profiles(viewer).filter(handle=(handle or "").strip().lower()).first()
    if user is None:
        raise NotFound("No such user.")
    if (
        hide_blocked
        and user.pk != viewer.pk
        and Block.objects.filter(
            Q(blocker_id=viewer.pk, blocked_id=user.pk)
            | Q(blocker_id=user.pk, blocked_id=viewer.pk)
        ).exists()
    ):
        raise NotFound("No such user.")
    return user
