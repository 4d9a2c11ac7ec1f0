"""Browser fixtures, shared with the console's browser test and the media tests."""

from tests.media.conftest import processed  # noqa: F401  (a real clip, rendered once)
from tests.moderation.conftest import make_moderator  # noqa: F401
from tests.moderation.test_console_browser import browser  # noqa: F401
