"""The one error type for untrusted media, with a stable code callers turn into 4xx bodies.

Pure Python: importing this module must stay cheap (views import it to catch the error).
"""

# Stable codes (clients and other apps switch on these, never on the message).
NOT_A_VIDEO = "not_a_video"  # not a container we can open, empty, truncated, or undecodable
NO_AUDIO = "no_audio"  # sound was required and there is no audio stream
TOO_LONG = "too_long"  # duration above the caller's max_seconds
TOO_SHORT = "too_short"  # duration below the caller's min_seconds (or unknown)
UNSUPPORTED_CODEC = "unsupported_codec"  # a stream codec outside the allow-list
TOO_LARGE = "too_large"  # width/height, byte size or stream count above the bounds
PROBE_TIMEOUT = "probe_timeout"  # opening/decoding did not finish within the time budget
NOT_AN_IMAGE = "not_an_image"  # not a JPEG/PNG/WebP we can decode (media.images)
MOTION_BUDGET_EXCEEDED = "motion_budget_exceeded"  # too costly to judge (media.motion)


class InvalidMedia(Exception):
    """Uploaded or generated media that we refuse to use; `code` is stable, `message` readable."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message}
