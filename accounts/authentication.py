"""API-key authentication beside JWT: `Authorization: Bearer cut_…` (API.md v1.1).

Listed before JWTAuthentication wherever both apply: a `cut_` token is not a JWT (simplejwt
would answer 401 for it), and any other bearer value is left to JWT (this class returns None).
A key of a revoked key, an inactive or erased account is refused with 401, as an expired JWT is.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework_simplejwt import authentication as jwt_authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.selectors import user_by_id
from accounts.services.api_keys import KEY_SCHEME, resolve_api_key, touch_api_key


class JWTAuthentication(jwt_authentication.JWTAuthentication):
    """simplejwt's JWT authentication with the user read by one prepared statement
    (accounts.selectors.user_by_id) instead of a queryset built per request.

    simplejwt's checks, in its order and with its errors: the user id claim, the user exists,
    is active (CHECK_USER_IS_ACTIVE) and the token carries the digest of the current password
    (CHECK_REVOKE_TOKEN: a password change ends every token). Nothing is cached across
    requests: each request reads the row, so a deactivation or password change is seen by the
    next request.
    """

    def get_user(self, validated_token):
        try:
            user_id = validated_token[jwt_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(str(_("Token contained no recognizable user identification"))) from e
        user = user_by_id(user_id)
        if user is None:
            raise exceptions.AuthenticationFailed(_("User not found"), code="user_not_found")
        if jwt_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise exceptions.AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if jwt_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            jwt_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise exceptions.AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        return user


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The schema's JWT bearer scheme, as drf-spectacular declares simplejwt's."""

    target_class = "accounts.authentication.JWTAuthentication"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = header[1].decode()
        except UnicodeDecodeError:
            return None
        if not key.startswith(KEY_SCHEME):
            return None  # a JWT: JWTAuthentication decides
        api_key = resolve_api_key(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(
                "Invalid or revoked API key.", code="invalid_api_key"
            )
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed(
                "This account is not active.", code="user_inactive"
            )
        touch_api_key(api_key)
        return api_key.user, api_key

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """Declares the key in the schema as a second bearer scheme beside the JWT one."""

    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "cut_<prefix>_<secret>",
            "description": "A long-lived API key from `POST /api/v1/me/api-keys`, sent as "
            "`Authorization: Bearer cut_…` (also the OpenAI SDK's `api_key` on /v1).",
        }
