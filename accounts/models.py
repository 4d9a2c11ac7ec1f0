"""Users, the social graph, notifications, and cameos with their consent ledger."""

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

HANDLE_PATTERN = r"^[a-z0-9_]{3,30}$"
handle_validator = RegexValidator(
    HANDLE_PATTERN, "3-30 characters: lowercase letters, digits and underscores.", code="invalid"
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, handle):
        return self.get(handle__iexact=handle)

    def create_user(self, handle, email="", password=None, **extra):
        user = self.model(handle=handle.lower(), email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, handle, email="", password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(handle, email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    handle = models.CharField(max_length=30, unique=True, validators=[handle_validator])
    email = models.EmailField(max_length=254)
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.CharField(max_length=300, blank=True)
    avatar = models.CharField(max_length=255, blank=True, help_text="Storage name of the avatar.")
    birth_date = models.DateField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    # Set by moderation (strikes) through accounts.services; blocks generation and publishing.
    suspended_until = models.DateTimeField(null=True, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set by DELETE me (accounts.services.erasure): the row stays so the handle stays reserved
    # and ledgers keep their ids; every personal field is blank and the account inactive.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "handle"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="user_handle_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(handle__regex=HANDLE_PATTERN), name="user_handle_format"
            ),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    def age_on(self, day) -> int | None:
        if self.birth_date is None:
            return None
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def is_minor(self) -> bool:
        age = self.age_on(timezone.localdate())
        return age is not None and age < 18


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="follow_not_self"
            ),
        ]
        indexes = [models.Index(fields=["followee", "-created_at"])]


class Block(models.Model):
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocking_set")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by_set")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocked"])]


class Notification(models.Model):
    """Something the user should hear about; written by any app through accounts.services."""

    class Kind(models.TextChoices):
        LIKE = "like"
        COMMENT = "comment"
        FOLLOW = "follow"
        REMIX = "remix"
        CAMEO_USE = "cameo_use"
        CAMEO_USE_REMOVED = "cameo_use_removed"
        MODERATION = "moderation"
        WEBHOOK_DISABLED = "webhook_disabled"

    # The (recipient, -created_at, -id) index below serves recipient lookups; no FK index.
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["recipient", "-created_at", "-id"])]


class Cameo(models.Model):
    """A verified likeness someone lends under consent: a person (at most one live per owner,
    named by the owner's handle) or a non-human character (pet, object, drawing…) with its own
    `handle` in the users' namespace (`Handle`). Both go through the same use check, ledger,
    uses list and revocation (accounts/services/cameo_use.py, cameos.py)."""

    class Status(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification"
        ACTIVE = "active"
        REJECTED = "rejected"
        REVOKED = "revoked"

    class Permission(models.TextChoices):
        ONLY_ME = "only_me"
        APPROVED = "approved"
        MUTUALS = "mutuals"
        EVERYONE = "everyone"

    class Kind(models.TextChoices):
        PERSON = "person"
        PET = "pet"
        OBJECT = "object"
        DRAWING = "drawing"
        OTHER = "other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cameos")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PERSON)
    # Characters only (kind != person); a person's cameo is named by its owner's handle.
    handle = models.CharField(
        max_length=30, null=True, blank=True, unique=True, validators=[handle_validator]
    )
    name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=24, choices=Status.choices, default=Status.PENDING_VERIFICATION
    )
    permission = models.CharField(
        max_length=16, choices=Permission.choices, default=Permission.ONLY_ME
    )
    instructions = models.TextField(max_length=1000, blank=True)
    source_clip = models.CharField(max_length=255, help_text="Private storage name.")
    source_sha256 = models.CharField(max_length=64, blank=True)
    # Characters: the private PNG the renderer and image-to-video models draw the character
    # from (the upload re-encoded, or a frame of the clip); "" until verified.
    reference_image = models.CharField(max_length=255, blank=True)
    rejection_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=~models.Q(status="revoked") & models.Q(kind="person"),
                name="cameo_one_live_per_owner",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status="revoked", revoked_at__isnull=False)
                    | (~models.Q(status="revoked") & models.Q(revoked_at__isnull=True))
                ),
                name="cameo_revoked_iff_revoked_at",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="person", handle__isnull=True)
                    | (
                        ~models.Q(kind="person")
                        & models.Q(handle__isnull=False, handle__regex=HANDLE_PATTERN)
                    )
                ),
                name="cameo_character_has_handle",
            ),
        ]
        indexes = [models.Index(fields=["owner", "kind", "-created_at"])]

    def __str__(self) -> str:
        if self.handle:
            return f"character @{self.handle} of {self.owner_id} ({self.status})"
        return f"cameo of {self.owner_id} ({self.status})"

    @property
    def is_character(self) -> bool:
        return self.kind != self.Kind.PERSON

    @property
    def mention(self) -> str:
        """The handle a prompt names this cameo by: the character's own, or the owner's."""
        return self.handle or self.owner.handle


class Handle(models.Model):
    """One namespace for @handles: every user and every character holds exactly one row.

    The rows are written by the database itself (triggers on accounts_user and accounts_cameo,
    migration 0008), so no code path can create a user or a character whose handle another
    holds in any case: the unique Lower(handle) index refuses it.
    """

    handle = models.CharField(max_length=30)
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="handle_entry"
    )
    cameo = models.OneToOneField(
        Cameo, null=True, blank=True, on_delete=models.CASCADE, related_name="handle_entry"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("handle"), name="handle_namespace_ci_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, cameo__isnull=True)
                    | models.Q(user__isnull=True, cameo__isnull=False)
                ),
                name="handle_has_one_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"


class CameoGrant(models.Model):
    """Under the `approved` permission, who may use the cameo."""

    cameo = models.ForeignKey(Cameo, on_delete=models.CASCADE, related_name="grants")
    grantee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cameo_grants")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cameo", "grantee"], name="cameo_grant_unique"),
        ]


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete a consent ledger row."""


class ConsentEventQuerySet(models.QuerySet):
    """Reads only: bulk changes to the ledger are refused (accounts/ledger.py explains why)."""

    def update(self, **kwargs):
        raise AppendOnlyError("Consent events are append-only; they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Consent events are append-only; they cannot be deleted.")

    update.queryset_only = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class ConsentEvent(models.Model):
    """One entry of an owner's append-only, hash-chained consent ledger."""

    class Action(models.TextChoices):
        CREATED = "created"
        VERIFIED = "verified"
        REJECTED = "rejected"
        PERMISSION_CHANGED = "permission_changed"
        INSTRUCTIONS_CHANGED = "instructions_changed"
        GRANTED = "granted"
        GRANT_REVOKED = "grant_revoked"
        USED = "used"
        USE_REFUSED = "use_refused"
        USE_REMOVED = "use_removed"
        REVOKED = "revoked"

    # PROTECT: the ledger is evidence; an owner with a ledger is deactivated, not deleted
    # (a cascade would also hit the PostgreSQL append-only trigger). See accounts/ledger.py.
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="consent_events")
    cameo = models.ForeignKey(Cameo, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Hashed: the acting user's id as a string ("" for the system), kept if that user goes.
    actor_ref = models.CharField(max_length=40, blank=True)
    # Not hashed, so erasure can forget it (accounts/ledger.py): the actor's handle then.
    actor_handle = models.CharField(max_length=30, blank=True)
    at = models.DateTimeField(default=timezone.now)
    # Hashed: ids, enums, digests and system text only; never a handle or free text.
    data = models.JSONField(default=dict, blank=True)
    # Not hashed: personal values (handles, free text) with the salt of data["private_hmac"].
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        ordering = ["owner", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "seq"], name="consent_event_seq_unique"),
        ]

    def __str__(self) -> str:
        return f"consent event {self.owner_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        """Insert only: append through accounts.ledger.append_consent_event."""
        if not self._state.adding:
            raise AppendOnlyError("Consent events are append-only; they cannot be updated.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Consent events are append-only; they cannot be deleted.")


class LedgerRehash(models.Model):
    """A recorded re-hash of one owner's consent chain: the old head hash (which anyone may
    have kept as evidence) next to the new one, and why the chain was rewritten."""

    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="ledger_rehashes")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=255)
    events = models.PositiveIntegerField()
    chain_was_valid = models.BooleanField(help_text="False: left as it was (already broken).")
    old_head_hash = models.CharField(max_length=64)
    new_head_hash = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"ledger re-hash of {self.owner_id} at {self.at:%Y-%m-%d}"


class ApiKey(models.Model):
    """A long-lived, revocable bearer credential for scripts and SDKs (API.md v1.1).

    The key is `cut_<prefix>_<secret>`: the prefix finds the row (unique, shown in lists so a
    person can tell keys apart), the secret is 256 bits from `secrets`; only the SHA-256 of the
    whole key is stored. A high-entropy secret needs no slow password hash: nobody can guess
    their way through 2**256 candidates, whatever the hash speed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    key_sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    # Written at most once a minute per key (accounts.authentication), not on every request.
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"api key {self.prefix} of {self.user_id}"


class Export(models.Model):
    """One ZIP of everything an account holds (POST me/export), built by a Celery task.

    `queued → running → succeeded | failed`; a succeeded export has its file until
    `expires_at`, when the periodic cleanup deletes the file and marks it `expired`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="exports")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    file = models.CharField(max_length=255, blank=True, help_text="Private storage name.")
    size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(status="succeeded") & ~models.Q(file=""))
                    | (~models.Q(status="succeeded") & models.Q(file=""))
                ),
                name="export_succeeded_iff_file",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"
