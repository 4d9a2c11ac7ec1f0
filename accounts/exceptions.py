"""Errors accounts raises to clients, each with a stable `code` (config.exceptions adds it)."""

from rest_framework import exceptions, status


class AccountSuspended(exceptions.PermissionDenied):
    default_detail = "Your account is suspended."
    default_code = "account_suspended"


class CannotFollowSelf(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot follow yourself."
    default_code = "cannot_follow_self"


class CannotBlockSelf(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "You cannot block yourself."
    default_code = "cannot_block_self"


# --- Cameos -------------------------------------------------------------------------------


class CameoUseRefused(exceptions.PermissionDenied):
    """check_cameo_use said no. The detail names the cameo (`@handle`), never the reason
    behind a block, so a refusal does not reveal who blocked whom.

    Plain data: the refused use (cameo, actor, context, reason) and `event`, the `use_refused`
    ledger row written when it was raised. Keeping that row after a rollback is the service's
    job (accounts.services.cameo_use.recording_refusals), never this exception's.
    """

    default_detail = "You may not use this cameo."
    default_code = "cameo_permission_denied"

    def __init__(self, detail=None, *, cameo=None, actor=None, context="", reason=""):
        super().__init__(detail)
        self.cameo = cameo
        self.actor = actor
        self.context = context
        self.reason = reason
        self.event = None  # the use_refused ConsentEvent written when raised


class CameoExists(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "You already have a cameo; revoke it before creating a new one."
    default_code = "cameo_exists"


class CameoBusy(exceptions.APIException):
    """A revocation (or other change) of the cameo is in progress; retry the request."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The cameo is being changed right now; try again."
    default_code = "cameo_busy"


class NoCameo(exceptions.NotFound):
    default_detail = "You have no cameo."
    default_code = "no_cameo"


# --- Account lifecycle and keys -----------------------------------------------------------


class ApiKeyLimitReached(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "You have as many API keys as allowed; revoke one first."
    default_code = "api_key_limit"
