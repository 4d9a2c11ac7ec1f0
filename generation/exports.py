"""generation's sections of an account export (accounts.services.exports, through the
ACCOUNT_EXPORT_WRITERS hook): every job of the user with its prompt and storyboard."""

from accounts.services.exports import iso
from generation.models import GenerationJob


def write_generations(user, archive) -> None:
    archive.put_json(
        "generations.json",
        [
            {
                "id": str(job.pk),
                "status": job.status,
                "prompt": job.prompt,
                "seconds": job.seconds,
                "size": job.size,
                "model": job.model,
                "storyboard": job.storyboard,
                "remix_of": str(job.remix_of) if job.remix_of else None,
                "error_code": job.error_code,
                "created_at": iso(job.created_at),
                "finished_at": iso(job.finished_at),
            }
            for job in GenerationJob.objects.filter(user=user).order_by("created_at", "pk")
        ],
    )
