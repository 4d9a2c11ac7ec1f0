"""API-key authentication beside JWT: `Authorization: Bearer cut_…` (API.md v1.1).

Listed before JWTAuthentication wherever both apply: a `cut_` token is not a JWT (simplejwt
would answer 401 for it), and any other bearer value is left to JWT (this class returns None).
A key of a revoked key, an inactive or erased account is refused with 401, as an expired JWT is.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.services.api_keys import KEY_SCHEME, resolve_api_key, touch_api_key


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
