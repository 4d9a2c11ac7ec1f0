"""factory_boy factories: the one way tests build users, jobs and videos.

Each builds its object through the service that makes it in production, so a test's world
obeys the same invariants as a real one:
- users: `User.objects.create_user` (what `accounts.services.users.register_user` ends in,
  without its password-strength and handle rules, so tests may make staff and superusers);
- videos: `feed.services.publish_video`, then moderation's `hide_video`, the author's
  `delete_video`, and `refresh_hot_scores` for counters and age a test asks for;
- jobs: the documented minimal path below, since `create_job` + the pipeline would charge
  quota, run the policy hooks and render a clip for every row.
"""

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from discovery.models import VideoHashtag
from feed import services as feed_services
from feed.models import Video
from generation.models import GenerationJob

PASSWORD = "correct-horse-battery"
_files = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    """`UserFactory(handle=..., password=..., is_staff=...)`; the handle defaults to userN."""

    class Meta:
        model = User

    handle = factory.Sequence(lambda n: f"user{n + 1}")
    email = factory.LazyAttribute(lambda user: f"{user.handle}@example.com")
    password = PASSWORD

    @classmethod
    def _create(cls, model_class, handle, email, password, **extra):
        return model_class.objects.create_user(handle, email, password, **extra)


def _finished_files(job) -> dict:
    """File names a succeeded job points at (the pipeline's clip folder layout)."""
    if job.status != GenerationJob.Status.SUCCEEDED:
        return {"video_file": "", "thumbnail_file": "", "hls_file": ""}
    n = next(_files)
    folder = f"clips/factory{n}"
    return {
        "video_file": f"{folder}/video.mp4",
        "thumbnail_file": f"{folder}/thumb.jpg",
        "hls_file": f"{folder}/hls/master.m3u8",
    }


def rendition_rows(job) -> list[dict]:
    """The two Rendition rows the pipeline writes for a 720x1280 job (original, then 480p);
    names only, nothing stored."""
    folder = job.video_file.rsplit("/", 1)[0]
    return [
        {"width": 720, "height": 1280, "bitrate": 900_000, "peak_bitrate": 1_200_000,
         "codecs": "avc1.42c01f,mp4a.40.2", "video_file": job.video_file,
         "hls_playlist": f"{folder}/hls/720p/index.m3u8",
         "hls_files": [f"{folder}/hls/720p/index.m3u8", f"{folder}/hls/720p/init.mp4"]},
        {"width": 480, "height": 854, "bitrate": 350_000, "peak_bitrate": 450_000,
         "codecs": "avc1.64001e,mp4a.40.2", "video_file": f"{folder}/video_480p.mp4",
         "hls_playlist": f"{folder}/hls/480p/index.m3u8",
         "hls_files": [f"{folder}/hls/480p/index.m3u8", f"{folder}/hls/480p/init.mp4"]},
    ]  # fmt: skip


class JobFactory(factory.django.DjangoModelFactory):
    """A job row as the pipeline leaves it in `status` (default: succeeded, 8 s, 720x1280).

    The minimal path, documented: what `run_job` writes on its last step (status, file
    names, probe, finished_at) is written directly; nothing is rendered, charged or checked.
    `stored=b"..."` saves those bytes through config.storage as the job's video (and a JPEG
    placeholder as its thumbnail), for tests that stream or probe the file. A succeeded job
    gets the pipeline's two Rendition rows and an HLS master name (names only, unless
    stored); `renditions=False` makes a job from before renditions (backfill tests).
    """

    class Meta:
        model = GenerationJob
        exclude = ("files",)

    user = factory.SubFactory(UserFactory)
    status = GenerationJob.Status.SUCCEEDED
    prompt = factory.Sequence(lambda n: f"a cat on a skateboard #{n + 1}")
    seconds = 8
    idempotency_key = factory.Sequence(lambda n: f"factory-job-{n + 1}")
    files = factory.LazyAttribute(_finished_files)
    video_file = factory.LazyAttribute(lambda job: job.files["video_file"])
    thumbnail_file = factory.LazyAttribute(lambda job: job.files["thumbnail_file"])
    hls_file = factory.LazyAttribute(lambda job: job.files["hls_file"])
    probe = factory.LazyAttribute(
        lambda job: (
            {"duration": float(job.seconds), "width": 720, "height": 1280}
            if job.status == GenerationJob.Status.SUCCEEDED
            else {}
        )
    )
    stored = None  # not a field: taken out in _create
    renditions = True  # not a field either
    finished_at = factory.LazyAttribute(
        lambda job: timezone.now() if job.status == GenerationJob.Status.SUCCEEDED else None
    )

    @classmethod
    def _create(cls, model_class, *args, stored=None, renditions=True, **fields):
        succeeded = fields.get("status") == GenerationJob.Status.SUCCEEDED
        if not renditions:
            fields["hls_file"] = ""
        if stored is not None and succeeded:
            from config.storage import save_file

            fields["video_file"] = save_file(fields["video_file"], stored)
            fields["thumbnail_file"] = save_file(fields["thumbnail_file"], b"\xff\xd8\xff\xe0")
        job = super()._create(model_class, *args, **fields)
        if renditions and succeeded:
            from generation.models import Rendition

            Rendition.objects.bulk_create(Rendition(job=job, **r) for r in rendition_rows(job))
        return job


def publish(
    job: GenerationJob,
    *,
    caption: str = "",
    visibility: str = "public",
    status: str = "published",
    likes: int = 0,
    comments: int = 0,
    remixes: int = 0,
    age: timedelta = timedelta(0),
) -> Video:
    """The job's video as `publish_video` makes it, then moved to `status` by the service
    that does so in production; counters and age are set, then scored by refresh_hot_scores
    (counters stand in for that many likes, comments and remixes, without their rows)."""
    video = feed_services.publish_video(job.user, job, caption=caption, visibility=visibility)
    if likes or comments or remixes or age:
        Video.objects.filter(pk=video.pk).update(
            like_count=likes,
            comment_count=comments,
            remix_count=remixes,
            published_at=video.published_at - age,
        )
        # discovery keeps a copy of published_at on the video's hashtag rows.
        VideoHashtag.objects.filter(video=video).update(published_at=video.published_at - age)
        feed_services.refresh_hot_scores([video.pk])
    if status == Video.Status.DELETED:
        feed_services.delete_video(job.user, video.pk)
    elif status == Video.Status.PUBLISHED and video.status != status:
        feed_services.restore_video(video)
    elif status != Video.Status.PUBLISHED:
        feed_services.hide_video(video, status=status, reason="set by the test")
    video.refresh_from_db()
    return video


class VideoFactory(factory.Factory):
    """`VideoFactory(author=..., job=..., visibility=..., likes=...)`: see `publish`."""

    class Meta:
        model = Video

    author = factory.SubFactory(UserFactory)
    job = factory.LazyAttribute(lambda video: JobFactory(user=video.author))

    @classmethod
    def _create(cls, model_class, author, job, **options):
        assert job.user_id == author.pk, "a video is published by its job's owner"
        return publish(job, **options)
