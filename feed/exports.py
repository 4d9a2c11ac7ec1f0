"""feed's sections of an account export (accounts.services.exports, through the
ACCOUNT_EXPORT_WRITERS hook): the user's videos with their MP4s, comments and likes."""

from accounts.services.exports import iso
from config.storage import servable_refs
from feed.models import Comment, Like, Video
from generation.services.publishing import job_file_ref


def write_feed(user, archive) -> None:
    """Videos' MP4s go in only where the file gate (config.storage.servable_refs, the check
    every file URL passes) still shows them: a removed or taken-down video is listed, not
    shipped."""
    videos = []
    listed = list(
        Video.objects.filter(author=user)
        .exclude(status=Video.Status.DELETED)
        .select_related("job")
        .order_by("published_at", "pk")
    )
    shown = servable_refs(job_file_ref(video.job_id) for video in listed)
    for video in listed:
        entry = {
            "id": str(video.pk),
            "caption": video.caption,
            "visibility": video.visibility,
            "status": video.status,
            "duration": video.duration,
            "width": video.width,
            "height": video.height,
            "like_count": video.like_count,
            "comment_count": video.comment_count,
            "remix_count": video.remix_count,
            "view_count": video.view_count,
            "remix_of": str(video.remix_of_id) if video.remix_of_id else None,
            "generation": str(video.job_id),
            "published_at": iso(video.published_at),
            "file": None,
        }
        name = f"videos/{video.pk}.mp4"
        servable = job_file_ref(video.job_id) in shown
        if servable and video.job.video_file and archive.put_file(name, video.job.video_file):
            entry["file"] = name
        videos.append(entry)
    archive.put_json("videos.json", videos)
    archive.put_json(
        "comments.json",
        [
            {
                "id": comment.pk,
                "video": str(comment.video_id),
                "parent": comment.parent_id,
                "body": comment.body,
                "created_at": iso(comment.created_at),
            }
            for comment in Comment.objects.filter(author=user).order_by("created_at", "pk")
        ],
    )
    archive.put_json(
        "likes.json",
        [
            {"video": str(video_id), "created_at": iso(created_at)}
            for video_id, created_at in Like.objects.filter(user=user)
            .order_by("created_at")
            .values_list("video_id", "created_at")
        ],
    )
