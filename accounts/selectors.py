"""Read helpers for users: fetch what the viewer may see, with the flags the API shows."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework.exceptions import NotFound

from accounts.models import Block, Cameo, Follow, User


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
