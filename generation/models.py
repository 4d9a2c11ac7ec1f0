"""Generation jobs, the cameos they use, and the quota ledger that charges each job once."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from generation.formats import LANDSCAPE, MAX_SECONDS, MIN_SECONDS, PORTRAIT, SIZES


class GenerationJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PLANNING = "planning"
        RENDERING = "rendering"
        POST_PROCESSING = "post_processing"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        BLOCKED = "blocked"
        CANCELLED = "cancelled"

    FINISHED = (Status.SUCCEEDED, Status.FAILED, Status.BLOCKED, Status.CANCELLED)
    ACTIVE = (Status.QUEUED, Status.PLANNING, Status.RENDERING, Status.POST_PROCESSING)

    class Aspect(models.TextChoices):
        PORTRAIT = PORTRAIT
        LANDSCAPE = LANDSCAPE

    class Kind(models.TextChoices):
        """What the job makes: a new clip, or one derived from earlier jobs (JobParent)."""

        GENERATE = "generate"
        EXTEND = "extend"  # a source clip + new seconds continued from its last frame
        STITCH = "stitch"  # 2-8 of the user's clips joined, with cuts or crossfades
        EDIT = "edit"  # some shots of a clip re-rendered (the variants lane)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generation_jobs"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GENERATE)
    progress = models.PositiveSmallIntegerField(default=0)
    prompt = models.TextField(max_length=4000)
    seconds = models.PositiveSmallIntegerField(default=8)
    size = models.CharField(max_length=12, default="720x1280")
    aspect = models.CharField(max_length=5, choices=Aspect.choices, default=Aspect.PORTRAIT)
    seed = models.BigIntegerField(default=0)
    provider = models.CharField(max_length=20, default="local")
    model = models.CharField(max_length=40, default="cutaway-local-1")
    storyboard = models.JSONField(default=list, blank=True)
    user_storyboard = models.BooleanField(default=False)
    # The video (feed.Video id) this job remixes; feed validates it through a hook.
    remix_of = models.UUIDField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    # Candidates of one `variants: n` request share this id (the first holds the request's
    # Idempotency-Key); unpublished ones are removed after GENERATION_VARIANT_RETENTION_HOURS.
    variant_group = models.UUIDField(null=True, blank=True)
    # The seconds this job is charged for when it renders less than its whole clip (an edit
    # re-renders only some shots); null: all of `seconds`.
    billed_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    provider_job_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    policy = models.JSONField(default=dict, blank=True, help_text="Policy outcomes, in and out.")
    video_file = models.CharField(max_length=255, blank=True)
    thumbnail_file = models.CharField(max_length=255, blank=True)
    preview_file = models.CharField(max_length=255, blank=True)
    # The HLS master playlist over the job's renditions (its folder holds one folder of
    # segments per rendition); blank for jobs rendered before renditions (backfill_renditions).
    hls_file = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    probe = models.JSONField(default=dict, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], name="job_idempotency_key_unique"
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="job_progress_pct"),
            models.CheckConstraint(
                condition=models.Q(seconds__gte=MIN_SECONDS, seconds__lte=MAX_SECONDS),
                name="job_seconds_range",
            ),
            models.CheckConstraint(condition=models.Q(size__in=SIZES), name="job_size_known"),
            models.CheckConstraint(
                condition=models.Q(billed_seconds__isnull=True)
                | models.Q(billed_seconds__gte=1, billed_seconds__lte=models.F("seconds")),
                name="job_billed_seconds_within_clip",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["generate", "extend", "stitch", "edit"]),
                name="job_kind_known",
            ),
            models.CheckConstraint(
                condition=(
                    (models.Q(status="succeeded") & ~models.Q(video_file=""))
                    | (~models.Q(status="succeeded") & models.Q(video_file=""))
                ),
                name="job_succeeded_iff_video",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            models.Index(fields=["status", "heartbeat_at"]),
            models.Index(
                fields=["variant_group"],
                name="job_variant_group",
                condition=models.Q(variant_group__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def width(self) -> int:
        return int(self.size.split("x")[0])

    @property
    def height(self) -> int:
        return int(self.size.split("x")[1])


class Rendition(models.Model):
    """One encoded size of a succeeded job's clip: the original (its `video_file` is the
    job's) and each smaller one, with its HLS media playlist and segments.

    Written with the job's success (or by backfill_renditions); its files are stored under the
    job's clip folder and follow the job (served only while the job's files may be shown).
    """

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="renditions")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bitrate = models.PositiveIntegerField(help_text="Average bits per second, video + audio.")
    peak_bitrate = models.PositiveIntegerField(help_text="Highest HLS segment bits per second.")
    codecs = models.CharField(max_length=64, help_text='RFC 6381, e.g. "avc1.64001e,mp4a.40.2".')
    video_file = models.CharField(max_length=255)
    hls_playlist = models.CharField(max_length=255, blank=True)
    # Every stored HLS file of this rendition (playlist, init segment, media segments).
    hls_files = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "height"], name="rendition_job_height_unique"),
            models.CheckConstraint(
                condition=models.Q(width__gt=0, height__gt=0, bitrate__gt=0),
                name="rendition_positive_size_and_bitrate",
            ),
            models.CheckConstraint(
                condition=~models.Q(video_file=""), name="rendition_has_video_file"
            ),
        ]
        ordering = ["job", "-height"]

    def __str__(self) -> str:
        return f"{self.width}x{self.height} of job {self.job_id}"


class JobParent(models.Model):
    """A job another job was made from: the clip it extends, each part of a stitch (in
    `position` order), the source of an edit or a remix. What provenance lists as parents."""

    class Relation(models.TextChoices):
        REMIX = "remix"
        EXTENSION = "extension"  # `job` extends `parent`
        STITCH_PART = "stitch_part"  # `parent` is part number `position` of `job`
        EDIT_SOURCE = "edit_source"

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="parent_links")
    parent = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="child_links")
    relation = models.CharField(max_length=12, choices=Relation.choices)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "position"], name="job_parent_position_unique"),
            models.CheckConstraint(
                condition=models.Q(
                    relation__in=["remix", "extension", "stitch_part", "edit_source"]
                ),
                name="job_parent_relation_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(job=models.F("parent")), name="job_parent_not_itself"
            ),
        ]
        ordering = ["job", "position"]

    def __str__(self) -> str:
        return f"{self.relation} {self.position} of job {self.job_id}: {self.parent_id}"


class JobCameo(models.Model):
    """A cameo used by a job: what consent checks and the owner's `uses` list look at."""

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="job_cameos")
    cameo = models.ForeignKey("accounts.Cameo", on_delete=models.CASCADE, related_name="job_uses")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "cameo"], name="job_cameo_unique")]


class QuotaEntry(models.Model):
    """Quota ledger: a charge when a job is created, at most one refund when it fails."""

    class Kind(models.TextChoices):
        CHARGE = "charge"
        REFUND = "refund"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota_entries"
    )
    # SET_NULL: deleting a job (DELETE /v1/videos/{id}) must not hand its charge back.
    job = models.ForeignKey(
        GenerationJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quota_entries",
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = models.SmallIntegerField()
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "kind"], name="quota_entry_once_per_kind"),
            models.CheckConstraint(
                condition=(models.Q(kind="charge", amount=1) | models.Q(kind="refund", amount=-1)),
                name="quota_entry_amount_sign",
            ),
        ]
        indexes = [models.Index(fields=["user", "day"])]
