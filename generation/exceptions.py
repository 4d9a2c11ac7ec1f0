"""Errors the generation API raises, each with a stable `code` clients switch on."""

from rest_framework import exceptions, status

from config.exceptions import Conflict, ServiceUnavailable
from config.renderers import format_timestamp


class QuotaExceeded(exceptions.APIException):
    """429 with `resets_at` in the body and a Retry-After header (set by the view)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Daily generation limit reached."
    default_code = "quota_exceeded"

    def __init__(self, *, resets_at, retry_after: int, limit: int):
        super().__init__(
            detail={
                "detail": f"Daily generation limit of {limit} reached.",
                "resets_at": format_timestamp(resets_at),
            }
        )
        self.resets_at = resets_at
        self.wait = retry_after


class QueueUnreachable(ServiceUnavailable):
    """503 with a Retry-After header: the job queue cannot be reached, nothing was created."""

    wait = 30  # DRF turns this into a Retry-After header


class IdempotencyKeyReused(Conflict):
    default_detail = "This Idempotency-Key was already used with a different request body."
    default_code = "idempotency_key_reused"


class JobFinished(Conflict):
    default_detail = "The job has already finished."
    default_code = "job_finished"


class VideoNotReady(Conflict):
    default_detail = "The video is not ready."
    default_code = "video_not_ready"


class JobPublished(Conflict):
    default_detail = "This generation is published as a video; delete the video instead."
    default_code = "job_published"


class JobCancelled(Exception):
    """Raised inside the pipeline when the job was cancelled between two steps."""


class JobNotSucceeded(Conflict):
    default_detail = "Only a succeeded job can be used for this."
    default_code = "job_not_succeeded"
