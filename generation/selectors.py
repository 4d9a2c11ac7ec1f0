"""Read queries for generation jobs."""

from generation.models import GenerationJob


def jobs_for_user(user):
    """The user's jobs with what the serializer needs, in a fixed number of queries."""
    return GenerationJob.objects.filter(user=user).prefetch_related("job_cameos__cameo__owner")
