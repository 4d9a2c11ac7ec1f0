"""API keys: create (the key is shown once), list, revoke, and resolve a presented key.

A key is `cut_<prefix>_<secret>` (accounts.models.ApiKey explains the shape). Resolving looks
the row up by its prefix and compares SHA-256 digests with `hmac.compare_digest`, so the time a
wrong key takes does not depend on how much of it was right.
"""

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts.exceptions import ApiKeyLimitReached
from accounts.models import ApiKey, User

KEY_SCHEME = "cut_"
PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(user: User, *, name: str) -> tuple[ApiKey, str]:
    """A new key for `user` and its plaintext (returned to the client once, never stored)."""
    with transaction.atomic():
        # Lock the owner so two concurrent creations cannot both pass the per-user cap.
        User.objects.select_for_update().filter(pk=user.pk).first()
        live = ApiKey.objects.filter(user=user, revoked_at__isnull=True).count()
        if live >= settings.API_KEYS_MAX_PER_USER:
            raise ApiKeyLimitReached()
        for _ in range(5):  # a prefix collision (36**8 space) is retried with a new one
            prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
            key = f"{KEY_SCHEME}{prefix}_{secrets.token_urlsafe(32)}"
            try:
                with transaction.atomic():
                    api_key = ApiKey.objects.create(
                        user=user, name=name, prefix=prefix, key_sha256=key_digest(key)
                    )
            except IntegrityError:
                continue
            return api_key, key
    raise RuntimeError("could not draw a free API key prefix")  # pragma: no cover


def live_api_keys(user: User):
    return ApiKey.objects.filter(user=user, revoked_at__isnull=True)


def revoke_api_key(user: User, key_id) -> None:
    """Revoke one of `user`'s keys at once; another user's (or an unknown or revoked) id is 404."""
    revoked = live_api_keys(user).filter(pk=key_id).update(revoked_at=timezone.now())
    if not revoked:
        raise NotFound()


def revoke_all_api_keys(user: User) -> int:
    return live_api_keys(user).update(revoked_at=timezone.now())


def resolve_api_key(key: str) -> ApiKey | None:
    """The live key row for a presented key (its user loaded), or None."""
    if not key.startswith(KEY_SCHEME):
        return None
    body = key[len(KEY_SCHEME) :]
    prefix, separator = body[:PREFIX_LENGTH], body[PREFIX_LENGTH : PREFIX_LENGTH + 1]
    secret = body[PREFIX_LENGTH + 1 :]
    if separator != "_" or not secret:
        return None
    api_key = (
        ApiKey.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    )
    # The digest is compared even when no row matched, against a dummy, so a miss costs the same.
    expected = api_key.key_sha256 if api_key is not None else "0" * 64
    if not hmac.compare_digest(expected, key_digest(key)) or api_key is None:
        return None
    return api_key


def touch_api_key(api_key: ApiKey) -> None:
    """Record use at most once a minute: no write when the stored time is recent, and a
    conditional UPDATE so concurrent requests of one key write it once."""
    now = timezone.now()
    window = timedelta(seconds=settings.API_KEY_LAST_USED_INTERVAL)
    if api_key.last_used_at is not None and api_key.last_used_at > now - window:
        return
    ApiKey.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - window), pk=api_key.pk
    ).update(last_used_at=now)
    api_key.last_used_at = now
