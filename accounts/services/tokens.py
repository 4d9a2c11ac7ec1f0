"""JWT lifecycle: rotation, logout and revocation on a password change (API.md v1.1).

Two mechanisms, each doing one job:

- simplejwt's blacklist: a refresh token is spent once. Rotation and logout write its
  `BlacklistedToken` row; the row's one-to-one key makes the database refuse a second spend,
  so two concurrent refreshes of one token cannot both get a new pair.
- simplejwt's `CHECK_REVOKE_TOKEN`: every token carries a digest of the password hash it was
  issued under. `JWTAuthentication` checks it on every access token; `rotate_refresh_token`
  checks it on refresh tokens (simplejwt's own refresh serializer does not). A password change
  therefore ends every token of the account at once, the caller's too: `me/password` answers
  204 without a body, so the client logs in again with the new password.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password


def token_user(refresh: RefreshToken):
    """The active user a valid refresh token was issued to, under the current password."""
    user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
    user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
        raise TokenError("No active account found for the given token.")
    issued_under = refresh.payload.get(api_settings.REVOKE_TOKEN_CLAIM)
    if issued_under != get_md5_hash_password(user.password):
        raise TokenError("The user's password has been changed.")
    return user


def spend_refresh_token(refresh: RefreshToken, user) -> None:
    """Blacklist this refresh token; TokenError if it was already spent (even concurrently)."""
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=refresh.payload[api_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "created_at": refresh.current_time,
            "token": str(refresh),
            "expires_at": datetime_from_epoch(refresh.payload["exp"]),
        },
    )
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        raise TokenError("Token is blacklisted") from None


def rotate_refresh_token(raw: str) -> dict[str, str]:
    """`{access, refresh}` for a refresh token, which is spent: it never works again."""
    # simplejwt types its argument as a Token, but it takes (and here gets) the raw string
    refresh = RefreshToken(raw)  # type: ignore[arg-type]  # signature, expiry, type, blacklist
    user = token_user(refresh)
    spend_refresh_token(refresh, user)
    fresh = RefreshToken.for_user(user)
    return {"access": str(fresh.access_token), "refresh": str(fresh)}


def log_out(user, raw: str) -> None:
    """Spend one of the caller's own refresh tokens; another account's is refused unchanged."""
    try:
        refresh = RefreshToken(raw)  # type: ignore[arg-type]  # the raw string, as above
        if token_user(refresh).pk != user.pk:
            raise TokenError("This token belongs to another account.")
        spend_refresh_token(refresh, user)
    except TokenError as error:
        raise ValidationError({"refresh": [str(error)]}, code="token_not_valid") from None


def change_password(user, *, old_password: str, new_password: str) -> None:
    """Set a new password; every token issued before (access and refresh) stops working."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["Wrong password."]}, code="wrong_password")
    try:
        validate_password(new_password, user)
    except DjangoValidationError as error:
        raise ValidationError({"new_password": list(error.messages)}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
