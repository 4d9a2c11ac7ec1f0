"""Account lifecycle: deactivation (the README's alternative to deletion).

Its own module because it revokes cameo consent (accounts.services.cameos), which itself
reads the follow graph from accounts.services.users: living in users.py would close an
import cycle.
"""

import contextlib

from django.db import transaction

from accounts.exceptions import NoCameo
from accounts.models import User
from accounts.services.cameos import revoke_cameo_consent

DEACTIVATED_REASON = "account deactivated"


def deactivate_user(user: User, *, actor: User | None = None) -> bool:
    """Deactivate an account and take its likeness down; True if it was active.

    The person can no longer sign in (so could no longer withdraw consent themselves), so
    consent is revoked exactly as `DELETE cameos/me` does: the cameo is revoked, every use
    is taken down (drafts withdrawn, published videos taken down and their files deleted),
    the source clip is deleted and `revoked` is appended to the ledger, all in the same
    transaction as the deactivation. Their tokens stop working because the token
    authentication refuses inactive users.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.is_active:
            return False
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        with contextlib.suppress(NoCameo):  # no live cameo: nothing to take down
            revoke_cameo_consent(locked, actor=actor or locked, reason=DEACTIVATED_REASON)
    return True
