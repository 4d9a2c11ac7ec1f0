"""Account erasure, `DELETE me` (API.md v1.1; the App Store's in-app deletion).

One transaction, in this order, so a failure anywhere leaves the account exactly as it was:

1. **Check** the password (400 naming `password` otherwise; nothing changed) and lock the row.
2. **Consent first**: the live cameo is revoked through `revoke_cameo_consent`, the one path
   `DELETE cameos/me` uses: `revoked` is appended to the ledger, new uses are refused at
   once, every use is taken down (others' drafts withdrawn, published videos taken down and
   their files deleted) and the source clip is deleted after commit.
3. **Grants** other owners gave this user are withdrawn through `revoke_cameo_grant` (each
   appends `grant_revoked` to that owner's ledger).
4. **Every other app** removes what it keeps for the user: `user_erased` is sent inside the
   transaction (generation: jobs, drafts, reference images and their files; feed: videos and
   their files, comments, likes with exact counters, views; other apps: devices, webhooks...).
5. **The social graph**: follows both ways (counters moved in SQL), blocks both ways, and
   notifications to and from the user.
6. **Credentials and exports**: API keys revoked, every outstanding refresh token
   blacklisted, the password made unusable (which also ends every access token: simplejwt's
   revoke claim); exports deleted with their ZIPs.
7. **Ledgers**: `forget_person` blanks the user's handles and free text in every ledger,
   theirs and others', in the unhashed columns only: every chain still verifies.
8. **Personal fields**: email, display name, bio, avatar (file deleted after commit), birth
   date, cameo instructions blanked; `is_active` off, staff rights dropped, `erased_at` set.
   The row stays: the handle stays reserved and ledgers keep their ids.

Files are deleted only once the transaction commits (on_commit hooks of each step), so a
rollback never leaves a row pointing at a missing file.
"""

import contextlib

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.exceptions import NoCameo
from accounts.ledger import forget_person
from accounts.models import Block, Cameo, CameoGrant, Follow, Notification, User
from accounts.services.api_keys import revoke_all_api_keys
from accounts.services.cameos import revoke_cameo_consent, revoke_cameo_grant, revoke_consent
from accounts.services.characters import characters_of
from accounts.services.exports import erase_exports
from accounts.services.users import unblock_user, unfollow_user
from accounts.signals import user_erased
from config.storage import delete_file

ERASED_REASON = "account erased"


def check_erase_user(user: User, *, password: str) -> None:
    """Only the account's holder, proving it again with the password, may erase it."""
    if not isinstance(password, str) or not password or not user.check_password(password):
        raise ValidationError({"password": ["Wrong password."]}, code="wrong_password")


def erase_user(user: User, *, password: str) -> User:
    """Erase `user`'s account in the order of the module docstring; returns the erased row."""
    check_erase_user(user, password=password)
    return do_erase_user(user)


def do_erase_user(user: User) -> User:
    """The erasure itself (steps 2-8), for a caller that has checked who asks."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)

        with contextlib.suppress(NoCameo):  # no live cameo: nothing to revoke
            revoke_cameo_consent(locked, actor=locked, reason=ERASED_REASON)
        # Their characters too: the same revocation, one by one (takes their uses down).
        for character in characters_of(locked).select_for_update(of=("self",)):
            revoke_consent(character, actor=locked, reason=ERASED_REASON)
        for grant in CameoGrant.objects.filter(grantee=locked).select_related("cameo__owner"):
            if grant.cameo.is_character:  # a character's grant, on its own ledger entry
                if grant.cameo.status == Cameo.Status.REVOKED:
                    grant.delete()
                else:
                    revoke_cameo_grant(grant.cameo.owner, locked, cameo=grant.cameo)
                continue
            try:
                revoke_cameo_grant(grant.cameo.owner, locked)
            except NoCameo:  # a grant left on a revoked cameo: nothing to record
                grant.delete()

        # Grants the user gave stay on their (now revoked) cameo's ledger, not as rows.
        CameoGrant.objects.filter(cameo__owner=locked).delete()

        user_erased.send(sender=User, user=locked)

        for followee in User.objects.filter(follower_set__follower=locked):
            unfollow_user(locked, followee)
        for follower in User.objects.filter(following_set__followee=locked):
            unfollow_user(follower, locked)
        for blocked in User.objects.filter(blocked_by_set__blocker=locked):
            unblock_user(locked, blocked)
        Block.objects.filter(blocked=locked).delete()
        Follow.objects.filter(Q(follower=locked) | Q(followee=locked)).delete()  # belt and braces
        Notification.objects.filter(Q(recipient=locked) | Q(actor=locked)).delete()

        revoke_all_api_keys(locked)
        erase_exports(locked)
        for outstanding in OutstandingToken.objects.filter(
            user=locked, blacklistedtoken__isnull=True
        ):
            BlacklistedToken.objects.get_or_create(token=outstanding)

        forget_person(locked)

        avatar = locked.avatar
        Cameo.objects.filter(owner=locked).update(instructions="", rejection_reason="", name="")
        locked.email = ""
        locked.display_name = ""
        locked.bio = ""
        locked.avatar = ""
        locked.birth_date = None
        locked.is_active = False
        locked.is_staff = False
        locked.is_superuser = False
        locked.erased_at = timezone.now()
        locked.set_unusable_password()
        locked.save()
        locked.groups.clear()
        locked.user_permissions.clear()
        if avatar:
            transaction.on_commit(lambda: delete_file(avatar), robust=True)
    return locked
