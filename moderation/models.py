"""Moderation models: the policy registry, reports, the review queue, the audit log, strikes
and appeals.

The registry (BlockedTerm, BlockedConcept, ProtectedEntity, BlockedFrameHash) is edited by
admins only; moderators read it. Everything a moderator does is written to ModerationAction,
which is append-only (refused by the model, its queryset and, on PostgreSQL, a trigger).
"""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

STRIKE_WINDOW = timedelta(days=90)
# Repeated as plain lists for the DB check constraints (a nested Meta cannot see the enums).
ACTIONS = [
    "remove",
    "restore",
    "warn",
    "suspend",
    "unsuspend",
    "dismiss",
    # Trend review (discovery): a moderator approves or rejects a trend; the system expires it.
    "approve",
    "reject",
    "expire",
]
REPORT_REASONS = [
    "spam",
    "harassment",
    "hate",
    "violence",
    "sexual",
    "minor_safety",
    "cameo_misuse",
    "impersonation",
    "copyright",
    "other",
]


class TargetType(models.TextChoices):
    VIDEO = "video"
    COMMENT = "comment"
    USER = "user"
    CAMEO = "cameo"


class Decision(models.TextChoices):
    BLOCK = "block"
    HOLD = "hold", "hold for review"


# --- Policy registry (admin-managed) ---------------------------------------------------


class BlockedTerm(models.Model):
    """A word, phrase or regular expression no prompt may contain (after normalisation)."""

    pattern = models.CharField(max_length=200)
    is_regex = models.BooleanField(default=False)
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.BLOCK)
    reason = models.CharField(max_length=200, help_text="Shown to the user when it matches.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(pattern=""), name="blocked_term_pattern"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="blocked_term_reason"),
            models.UniqueConstraint(
                Lower("pattern"), "is_regex", name="blocked_term_unique_pattern"
            ),
        ]

    def __str__(self) -> str:
        return f"/{self.pattern}/" if self.is_regex else self.pattern

    def clean(self):
        if self.is_regex:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValidationError(
                    {"pattern": f"Not a valid regular expression: {exc}"}
                ) from exc


class BlockedConcept(models.Model):
    """A concept described in words; the semantic check catches prompts that paraphrase it."""

    description = models.CharField(max_length=300, help_text="e.g. 'a person being hurt'")
    examples = models.JSONField(
        default=list, blank=True, help_text="More phrasings of the same concept (list of text)."
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.BLOCK)
    reason = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["description"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(description=""), name="blocked_concept_description"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="blocked_concept_reason"),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self):
        if not isinstance(self.examples, list) or not all(
            isinstance(e, str) for e in self.examples
        ):
            raise ValidationError({"examples": "A list of text."})

    @property
    def phrasings(self) -> list[str]:
        return [self.description, *self.examples]


class ProtectedEntity(models.Model):
    """A public figure, fictional character or brand: blocked unless its rights holder opted in
    (optionally only for named users)."""

    class Kind(models.TextChoices):
        PUBLIC_FIGURE = "public_figure", "public figure"
        CHARACTER = "character"
        BRAND = "brand"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names (list of text).")
    rights_holder = models.CharField(max_length=200, blank=True)
    opted_in = models.BooleanField(
        default=False, help_text="The rights holder allows generations with it."
    )
    allowed_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="When opted in: only these users (empty = everyone).",
    )
    # The revenue share (billing/): the holder's Cutaway account is credited a share of the
    # credits every paid generation with this entity spends, while it is opted in.
    rights_holder_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="protected_entities_held",
        help_text="The rights holder's Cutaway account, paid the revenue share.",
    )
    rights_share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percent of the credits spent; empty = RIGHTS_DEFAULT_SHARE_PERCENT.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "protected entities"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="protected_entity_unique_name"),
            models.CheckConstraint(condition=~models.Q(name=""), name="protected_entity_name"),
            models.CheckConstraint(
                condition=models.Q(rights_share_percent__isnull=True)
                | models.Q(rights_share_percent__gte=0, rights_share_percent__lte=100),
                name="protected_entity_share_percent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if not isinstance(self.aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in self.aliases
        ):
            raise ValidationError({"aliases": "A list of non-empty names."})

    @property
    def names(self) -> list[str]:
        return [self.name, *self.aliases]


class BlockedFrameHash(models.Model):
    """The perceptual hash (64-bit dHash, hex) of a known-bad frame."""

    hash = models.CharField(
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^[0-9a-f]{16}$", "16 lowercase hex digits (64 bits).")],
    )
    max_distance = models.PositiveSmallIntegerField(
        default=6, help_text="Hamming distance (bits of 64) still counted as a match."
    )
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "blocked frame hash"
        constraints = [
            models.CheckConstraint(condition=~models.Q(hash=""), name="frame_hash_not_empty"),
            models.CheckConstraint(
                condition=models.Q(max_distance__lte=16), name="frame_hash_distance_range"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="frame_hash_reason"),
        ]

    def __str__(self) -> str:
        return self.hash


PDQ_HEX = RegexValidator(r"^[0-9a-f]{64}$", "64 lowercase hex digits (256 bits).")


class BlockedClip(models.Model):
    """A known-bad video by its vPDQ signature (PDQ hashes of one frame per second), so a copy
    re-encoded, scaled or trimmed is still caught (moderation/perceptual.py).

    Added by a moderator from the console ("Block this clip everywhere"). `features` is the
    signature as vpdq computed it: a list of [pdq hex, quality, timestamp seconds]. A video
    matches when at least `query_match_percent` of its usable frames are within
    `max_distance` bits of one of this clip's frames, or at least `compared_match_percent` of
    this clip's frames are within it of one of the video's (vPDQ's two percentages: the first
    catches a trimmed copy, the second the clip inside a longer video)."""

    reason = models.CharField(max_length=200, help_text="Shown to the author of a match.")
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.BLOCK)
    features = models.JSONField(help_text="vPDQ signature: [[pdq hex, quality, seconds], ...]")
    max_distance = models.PositiveSmallIntegerField(
        default=31, help_text="PDQ Hamming distance (bits of 256) still counted as a match."
    )
    query_match_percent = models.FloatField(default=80.0)
    compared_match_percent = models.FloatField(default=80.0)
    source_video_id = models.UUIDField(null=True, blank=True, db_index=True)
    source_job_id = models.UUIDField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("block_clip", "Can block a clip everywhere from the console")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="blocked_clip_reason"),
            models.CheckConstraint(
                condition=models.Q(max_distance__lte=128), name="blocked_clip_distance_range"
            ),
            models.CheckConstraint(
                condition=models.Q(query_match_percent__gt=0, query_match_percent__lte=100)
                & models.Q(compared_match_percent__gt=0, compared_match_percent__lte=100),
                name="blocked_clip_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"clip #{self.pk}: {self.reason}"


class BlockedPdqHash(models.Model):
    """The PDQ hash (256-bit, hex) of a known-bad frame; matched against one frame per second
    of every output. A clip blocked from the console adds its key frame here too."""

    hash = models.CharField(max_length=64, validators=[PDQ_HEX])
    quality = models.PositiveSmallIntegerField(
        default=100, help_text="PDQ quality of the frame (0-100); under 50 it is not matched."
    )
    max_distance = models.PositiveSmallIntegerField(
        default=31, help_text="Hamming distance (bits of 256) still counted as a match."
    )
    decision = models.CharField(max_length=8, choices=Decision.choices, default=Decision.BLOCK)
    reason = models.CharField(max_length=200)
    clip = models.ForeignKey(
        BlockedClip, on_delete=models.CASCADE, null=True, blank=True, related_name="frames"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "blocked PDQ frame hash"
        constraints = [
            models.UniqueConstraint(fields=["hash"], name="pdq_hash_unique"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="pdq_hash_reason"),
            models.CheckConstraint(
                condition=models.Q(max_distance__lte=128), name="pdq_hash_distance_range"
            ),
            models.CheckConstraint(condition=models.Q(quality__lte=100), name="pdq_hash_quality"),
        ]

    def __str__(self) -> str:
        return self.hash


class HashMatch(models.Model):
    """Evidence: a job's output matched a blocklist entry (what the review page shows)."""

    job = models.ForeignKey(
        "generation.GenerationJob", on_delete=models.CASCADE, related_name="hash_matches"
    )
    clip = models.ForeignKey(
        BlockedClip, on_delete=models.CASCADE, null=True, blank=True, related_name="matches"
    )
    frame = models.ForeignKey(
        BlockedPdqHash, on_delete=models.CASCADE, null=True, blank=True, related_name="matches"
    )
    decision = models.CharField(max_length=8, choices=Decision.choices)
    distance = models.PositiveSmallIntegerField(help_text="Smallest PDQ distance seen.")
    query_match_percent = models.FloatField(null=True, blank=True)
    compared_match_percent = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "-created_at"]
        verbose_name_plural = "hash matches"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(clip__isnull=False, frame__isnull=True)
                | models.Q(clip__isnull=True, frame__isnull=False),
                name="hash_match_one_entry",
            ),
            models.UniqueConstraint(fields=["job", "clip"], name="hash_match_once_per_clip"),
            models.UniqueConstraint(fields=["job", "frame"], name="hash_match_once_per_frame"),
        ]

    def __str__(self) -> str:
        entry = f"clip #{self.clip_id}" if self.clip_id else f"frame #{self.frame_id}"
        return f"job {self.job_id} ~ {entry}"


# --- Reports and the review queue ------------------------------------------------------


class ReviewItem(models.Model):
    """One per target: what the queue shows. Priority is recomputed by services."""

    class Status(models.TextChoices):
        OPEN = "open"
        ACTIONED = "actioned"
        DISMISSED = "dismissed"

    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    # Whose content or account this is: the author, the reported user, the cameo owner.
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_items",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(default=0, db_index=True)
    reasons = models.JSONField(default=dict, blank=True, help_text="reason -> count")
    report_count = models.PositiveIntegerField(default=0, help_text="Distinct reporters.")
    held = models.BooleanField(default=False, help_text="A held generation waits for review.")
    has_open_appeal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-priority", "created_at"]
        permissions = [("act_on_reviewitem", "Can take moderation actions")]
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id"], name="review_item_once"),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "actioned", "dismissed"]),
                name="review_item_status",
            ),
            models.CheckConstraint(
                condition=models.Q(target_type__in=TargetType.values),
                name="review_item_target_type",
            ),
        ]
        indexes = [models.Index(fields=["status", "-priority", "created_at"])]

    def __str__(self) -> str:
        return f"{self.target_type} {self.target_id}"

    @property
    def reasons_summary(self) -> str:
        return ", ".join(
            f"{reason} ×{count}" if count > 1 else reason
            for reason, count in sorted(self.reasons.items(), key=lambda kv: -kv[1])
        )


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam"
        HARASSMENT = "harassment"
        HATE = "hate"
        VIOLENCE = "violence"
        SEXUAL = "sexual", "sexual content"
        MINOR_SAFETY = "minor_safety", "child safety"
        CAMEO_MISUSE = "cameo_misuse", "misuse of my (or someone's) cameo"
        IMPERSONATION = "impersonation"
        COPYRIGHT = "copyright"
        OTHER = "other"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.TextField(max_length=1000, blank=True)
    review_item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reports")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"], name="report_once_per_reporter"
            ),
            models.CheckConstraint(
                condition=models.Q(reason__in=REPORT_REASONS),
                name="report_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.target_type} {self.target_id}"


# --- The audit log, strikes, appeals ---------------------------------------------------


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("ModerationAction is append-only: rows are never updated.")

    def delete(self):
        raise TypeError("ModerationAction is append-only: rows are never deleted.")


class ModerationAction(models.Model):
    """One line of the append-only audit log. A reversal is a new line pointing at the old one."""

    class Action(models.TextChoices):
        REMOVE = "remove"
        RESTORE = "restore"
        WARN = "warn"
        SUSPEND = "suspend"
        UNSUSPEND = "unsuspend"
        DISMISS = "dismiss"
        APPROVE = "approve"
        REJECT = "reject"
        EXPIRE = "expire"

    STRIKING = (Action.REMOVE, Action.WARN, Action.SUSPEND)
    APPEALABLE = STRIKING

    # null only for actions the system takes by itself (suspension after three strikes).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions_taken",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    # Also "trend" (discovery's trend review), outside the choices on purpose: the choices are
    # the API's reportable target types (one enum in the schema), not a database rule.
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.CharField(max_length=64)
    reason = models.TextField(max_length=1000)
    affected_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moderation_actions",
    )
    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.PROTECT, null=True, blank=True, related_name="actions"
    )
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="mod_action_reason"),
            models.CheckConstraint(condition=models.Q(action__in=ACTIONS), name="mod_action_known"),
        ]
        indexes = [
            models.Index(fields=["affected_user", "-created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ModerationAction is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ModerationAction is append-only: rows are never deleted.")


class Strike(models.Model):
    """Counted against a user for STRIKE_WINDOW; removed (not deleted) when an appeal wins."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="strikes"
    )
    action = models.OneToOneField(ModerationAction, on_delete=models.PROTECT, related_name="strike")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="strike_expires_after_created",
            ),
        ]
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self) -> str:
        return f"strike on {self.user_id} ({self.action.action})"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None and self.expires_at > timezone.now()


class Appeal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open"
        UPHELD = "upheld", "upheld (action reversed)"
        DENIED = "denied"

    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appeals"
    )
    action = models.ForeignKey(ModerationAction, on_delete=models.PROTECT, related_name="appeals")
    text = models.TextField(max_length=2000)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("decide_appeal", "Can uphold or deny appeals")]
        constraints = [
            models.UniqueConstraint(
                fields=["action"],
                condition=models.Q(status="open"),
                name="appeal_one_open_per_action",
            ),
            models.CheckConstraint(condition=~models.Q(text=""), name="appeal_text"),
            models.CheckConstraint(
                condition=(
                    models.Q(status="open", decided_at__isnull=True)
                    | (
                        models.Q(status__in=["upheld", "denied"], decided_at__isnull=False)
                        & ~models.Q(decision_reason="")
                    )
                ),
                name="appeal_decided_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} on action {self.action_id} ({self.status})"
