"""Read queries for generation jobs."""

from django.db.models import QuerySet

from accounts.models import User
from generation.models import GenerationJob


def jobs_for_user(user: User) -> QuerySet[GenerationJob]:
    """The user's jobs with what the serializer needs, in a fixed number of queries."""
    return GenerationJob.objects.filter(user=user).prefetch_related(
        "job_cameos__cameo__owner", "parent_links"
    )
