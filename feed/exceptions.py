"""Stable error codes raised by the feed (clients switch on `code`, not on text)."""

from rest_framework import exceptions

from config.exceptions import Conflict
from config.pagination import InvalidCursor  # noqa: F401  (one cursor error for every list)


class CursorExpired(exceptions.APIException):
    status_code = 400
    default_detail = {
        "cursor": ["This feed session has expired; request the feed again without a cursor."]
    }
    default_code = "cursor_expired"


class AlreadyPublished(Conflict):
    default_detail = "This generation is already published."
    default_code = "already_published"


class VideoNotLive(Conflict):
    default_detail = "This video is not published (held, removed or deleted)."
    default_code = "video_not_live"


class DraftWithdrawn(exceptions.PermissionDenied):
    """Publishing a draft that a cameo owner withdrew (consent revoked or this use removed)."""

    default_detail = (
        "This draft was withdrawn by the owner of a cameo it uses; it cannot be published."
    )
    default_code = "cameo_use_withdrawn"
