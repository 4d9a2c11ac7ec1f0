"""What feed needs from generation to publish a job and to let its files go (issue 13).

feed owns videos, generation owns jobs: feed asks these small questions instead of locking
`GenerationJob` rows itself or parsing the job's `policy` JSON.
"""

from django.db import transaction
from rest_framework.exceptions import NotFound

from config.storage import delete_files
from generation.lock_objects import lock_job
from generation.models import GenerationJob, Rendition

# Job error codes with which generation records a draft withdrawn by a cameo's owner.
WITHDRAWN_BY_CAMEO_OWNER = ("cameo_consent_revoked", "cameo_use_removed")
_REVIEW_STAGES = ("prompt", "output")


def lock_publishable_job(user, job_id) -> GenerationJob:
    """The user's own job under a row lock, or NotFound naming `generation` (someone else's
    job gets the same answer as a missing one). Call inside the publishing transaction."""
    job = lock_job(job_id, user=user)
    if job is None:
        raise NotFound({"generation": ["No such generation."]})
    return job


def job_withdrawn_by_cameo_owner(job: GenerationJob) -> bool:
    """A cameo's owner revoked consent or removed this use before it was published."""
    return job.error_code in WITHDRAWN_BY_CAMEO_OWNER


def job_needs_review(job: GenerationJob) -> bool:
    """The prompt or output policy said `hold`: a moderator must see it before anyone else."""
    policy = job.policy or {}
    return any(
        isinstance(policy.get(stage), dict) and policy[stage].get("decision") == "hold"
        for stage in _REVIEW_STAGES
    )


def job_file_ref(job_id) -> str:
    """The object a job's files follow (config.storage.object_file_url's `ref`)."""
    return f"job:{job_id}"


def discard_job_files(job_ids) -> None:
    """Delete the stored files of these jobs once the caller's transaction commits.

    For permanent takedowns of published videos (consent revoked, use removed, author
    deletion). The names stay on the rows (a succeeded job keeps them by constraint); serving
    refuses them anyway because the video is no longer shown.
    """
    names = job_storage_names(job_ids)
    if names:
        transaction.on_commit(lambda: delete_files(names), robust=True)


def job_storage_names(job_ids) -> list[str]:
    """Every stored file of these jobs: clip, thumbnail, preview, HLS master, the output
    checks' files (frame thumbnails), each rendition's MP4 and HLS files (two queries). What a
    permanent takedown or a deletion removes."""
    job_ids = list(job_ids)
    rows = GenerationJob.objects.filter(pk__in=job_ids).values_list(
        "video_file", "thumbnail_file", "preview_file", "hls_file", "policy__output_files"
    )
    names = []
    for *fields, check_files in rows:
        names.extend(fields)
        if isinstance(check_files, list):
            names.extend(name for name in check_files if isinstance(name, str))
    for video_file, hls_files in Rendition.objects.filter(job_id__in=job_ids).values_list(
        "video_file", "hls_files"
    ):
        names.append(video_file)
        names.extend(hls_files or [])
    return list(dict.fromkeys(name for name in names if name))
