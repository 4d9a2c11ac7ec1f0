"""Facts generation announces to the apps above it (sent on commit)."""

from django.dispatch import Signal

# kwargs: job (GenerationJob) — sent after the job's `succeeded` state is committed.
job_succeeded = Signal()
