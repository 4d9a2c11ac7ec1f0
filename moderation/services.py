"""Moderation operations: reports, the review queue, actions, strikes and appeals.

Moderation acts on other apps' objects only through their services (feed.services.hide_video /
restore_video, accounts.services.users.suspend_user / unsuspend_user, notify). Every action is
one transaction: the effect, the audit-log line, the strike, the notification and the queue
update commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from accounts.exceptions import CameoUseRefused
from accounts.models import Cameo, Notification, User
from accounts.services.cameo_use import recording_refusals
from accounts.services.notifications import notify
from accounts.services.users import is_blocked_between, suspend_user, unsuspend_user
from config.exceptions import Conflict
from config.renderers import format_timestamp
from events.event_types import EventType
from events.services import record_event
from feed import services as feed_services
from feed.models import Comment, Video
from feed.selectors import access_comment, access_video
from moderation.models import (
    STRIKE_WINDOW,
    Appeal,
    ModerationAction,
    Report,
    ReviewItem,
    Strike,
    TargetType,
)

Action = ModerationAction.Action

# Queue priority: each distinct reporter counts; some reasons jump the queue.
PRIORITY_PER_REPORTER = 10
PRIORITY_CAMEO_MISUSE = 25
PRIORITY_MINOR_SAFETY = 40
PRIORITY_HELD = 30
PRIORITY_APPEAL = 20
STRIKES_TO_SUSPEND = 3

# What each action may be applied to.
ALLOWED_ACTIONS: dict[str, set[str]] = {
    TargetType.VIDEO: {Action.REMOVE, Action.RESTORE, Action.WARN, Action.SUSPEND, Action.DISMISS},
    TargetType.COMMENT: {
        Action.REMOVE,
        Action.RESTORE,
        Action.WARN,
        Action.SUSPEND,
        Action.DISMISS,
    },
    TargetType.USER: {Action.WARN, Action.SUSPEND, Action.UNSUSPEND, Action.DISMISS},
    TargetType.CAMEO: {Action.WARN, Action.SUSPEND, Action.UNSUSPEND, Action.DISMISS},
}


class OwnTarget(ValidationError):
    default_code = "own_target"


class AppealExists(Conflict):
    default_detail = "This action already has an appeal."
    default_code = "appeal_exists"


class NothingToReverse(Conflict):
    default_detail = "There is nothing to reverse on this target."
    default_code = "nothing_to_reverse"


def _suspension_days() -> int:
    return settings.MODERATION_SUSPENSION_DAYS


# --- Targets -------------------------------------------------------------------------------


@dataclass
class Target:
    type: str
    id: str  # canonical: video/cameo UUID, comment/user pk
    obj: Any  # a Video, Comment, User or Cameo, as `type` says
    owner: User | None


def _load_target(target_type: str, target_id) -> Target | None:
    """The target as moderators see it (no visibility rules), or None."""

    target_id = str(target_id).strip()
    obj: Any
    try:
        if target_type == TargetType.VIDEO:
            obj = Video.objects.select_related("author").get(pk=target_id)
            return Target(target_type, str(obj.pk), obj, obj.author)
        if target_type == TargetType.COMMENT:
            obj = Comment.objects.select_related("author").get(pk=int(target_id))
            return Target(target_type, str(obj.pk), obj, obj.author)
        if target_type == TargetType.USER:
            if target_id.isdigit():
                obj = User.objects.get(pk=int(target_id))
            else:
                obj = User.objects.get(handle__iexact=target_id.lstrip("@"))
            return Target(target_type, str(obj.pk), obj, obj)
        if target_type == TargetType.CAMEO:
            try:
                obj = Cameo.objects.select_related("owner").get(pk=target_id)
            except (ValueError, Cameo.DoesNotExist, DjangoValidationError):
                obj = (
                    Cameo.objects.select_related("owner")
                    .filter(
                        Q(handle=target_id.lstrip("@").lower())
                        | Q(kind=Cameo.Kind.PERSON, owner__handle__iexact=target_id.lstrip("@"))
                    )
                    .exclude(status=Cameo.Status.REVOKED)
                    .get()
                )
            return Target(target_type, str(obj.pk), obj, obj.owner)
    except (ObjectDoesNotExist, DjangoValidationError, ValueError, TypeError, OverflowError):
        # missing, or a malformed id (Django raises ValidationError for a bad UUID)
        return None
    return None


def resolve_reported_target(reporter: User, target_type: str, target_id) -> Target:
    """The target if `reporter` can see it; 400 on `target_id` for unknown, hidden or own."""

    if target_type not in TargetType.values:
        raise ValidationError({"target_type": [f"Must be one of {', '.join(TargetType.values)}."]})
    not_found = ValidationError({"target_id": [f"No such {target_type}."]}, code="not_found")
    target = _load_target(target_type, target_id)
    if target is None:
        raise not_found
    try:
        if target_type == TargetType.VIDEO:
            access_video(reporter, target.id)
        elif target_type == TargetType.COMMENT:
            access_comment(reporter, target.id)
            if target.obj.is_removed:
                raise not_found
    except NotFound:
        raise not_found from None
    if target_type == TargetType.USER and not target.obj.is_active:
        raise not_found
    if target_type == TargetType.CAMEO and target.obj.status == target.obj.Status.REVOKED:
        raise not_found
    if target.owner is not None and target.owner.pk == reporter.pk:
        raise OwnTarget({"target_id": [f"You cannot report your own {target_type}."]})
    if target.owner is not None and is_blocked_between(reporter, target.owner):
        raise not_found
    return target


# --- The queue -------------------------------------------------------------------------------


def _item_for(target: Target, *, lock: bool = True) -> ReviewItem:
    """The target's review item, created if needed. Call inside a transaction (row lock)."""
    item, _ = ReviewItem.objects.get_or_create(
        target_type=target.type,
        target_id=target.id,
        defaults={"target_user": target.owner},
    )
    if lock:
        item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    return item


def refresh_priority(item: ReviewItem) -> ReviewItem:
    """Recompute reasons, distinct reporters and priority from the rows (never incremented)."""
    counts = dict(
        item.reports.values_list("reason").annotate(n=Count("id")).values_list("reason", "n")
    )
    reporters = sum(counts.values())  # one report per reporter per target (DB constraint)
    reasons = dict(counts)
    if item.held:
        reasons["held_generation"] = 1
    if item.has_open_appeal:
        reasons["appeal"] = 1
    priority = PRIORITY_PER_REPORTER * reporters
    if "cameo_misuse" in counts or (item.target_type == TargetType.CAMEO and reporters):
        priority += PRIORITY_CAMEO_MISUSE
    if "minor_safety" in counts:
        priority += PRIORITY_MINOR_SAFETY
    if item.held:
        priority += PRIORITY_HELD
    if item.has_open_appeal:
        priority += PRIORITY_APPEAL
    item.reasons = reasons
    item.report_count = reporters
    item.priority = priority
    item.updated_at = timezone.now()
    item.save(
        update_fields=[
            "reasons",
            "report_count",
            "priority",
            "updated_at",
            "status",
            "held",
            "has_open_appeal",
        ]
    )
    return item


def file_report(reporter: User, *, target_type, target_id, reason, details="") -> tuple:
    """File a report; (report, created). A second report by the same user on the same target
    returns the first one and changes nothing: twenty reports from one user count once."""
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": [f"Must be one of {', '.join(Report.Reason.values)}."]})
    details = (details or "").strip()
    if len(details) > 1000:
        raise ValidationError({"details": ["At most 1000 characters."]})
    target = resolve_reported_target(reporter, target_type, target_id)
    existing = Report.objects.filter(
        reporter=reporter, target_type=target.type, target_id=target.id
    ).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        item = _item_for(target)
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter,
                    target_type=target.type,
                    target_id=target.id,
                    reason=reason,
                    details=details,
                    review_item=item,
                )
        except IntegrityError:  # the same reporter, concurrently
            return Report.objects.get(
                reporter=reporter, target_type=target.type, target_id=target.id
            ), False
        # A new voice reopens a decided item: the moderator saw fewer reports.
        item.status = ReviewItem.Status.OPEN
        refresh_priority(item)
    return report, True


def enqueue_held_video(video) -> ReviewItem:
    """A video published as `held` (its job's policy said hold) waits in the queue."""
    job_policy = getattr(getattr(video, "job", None), "policy", None) or {}
    target = Target(TargetType.VIDEO, str(video.pk), video, video.author)
    with transaction.atomic():
        item = _item_for(target)
        item.held = True
        item.status = ReviewItem.Status.OPEN
        refresh_priority(item)
        for stage in ("prompt", "output"):
            verdict = job_policy.get(stage) or {}
            if verdict.get("decision") == "hold":
                item.reasons[f"policy:{verdict.get('code') or stage}"] = 1
        item.save(update_fields=["reasons"])
    return item


# --- Actions -------------------------------------------------------------------------------


def _as_target(item_or_target) -> Target:
    if isinstance(item_or_target, ReviewItem):
        target = _load_target(item_or_target.target_type, item_or_target.target_id)
    elif isinstance(item_or_target, tuple):
        target = _load_target(*item_or_target)
    elif isinstance(item_or_target, Video):
        target = _load_target(TargetType.VIDEO, item_or_target.pk)
    elif isinstance(item_or_target, Comment):
        target = _load_target(TargetType.COMMENT, item_or_target.pk)
    elif isinstance(item_or_target, User):
        target = _load_target(TargetType.USER, item_or_target.pk)
    elif isinstance(item_or_target, Cameo):
        target = _load_target(TargetType.CAMEO, item_or_target.pk)
    else:
        raise TypeError(f"cannot moderate {item_or_target!r}")
    if target is None:
        raise ValidationError({"target": ["The target no longer exists."]})
    return target


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["A reason is required."]}, code="required")
    if len(reason) > 1000:
        raise ValidationError({"reason": ["At most 1000 characters."]})
    return reason


def _last_unreversed(target: Target, action: str) -> ModerationAction | None:
    return (
        ModerationAction.objects.filter(target_type=target.type, target_id=target.id, action=action)
        .exclude(reversed_by__isnull=False)
        .order_by("-created_at", "-id")
        .first()
    )


def _active_strikes(user: User):
    now = timezone.now()
    return Strike.objects.filter(
        user=user, removed_at__isnull=True, expires_at__gt=now, created_at__gte=now - STRIKE_WINDOW
    )


def _notify_user(user: User | None, action: ModerationAction, **extra) -> None:
    if user is None:
        return
    data = {
        "action_id": action.pk,
        "action": action.action,
        "target_type": action.target_type,
        "target_id": action.target_id,
        "reason": action.reason,
        **extra,
    }
    notify(user, Notification.Kind.MODERATION, data=data)
    record_event(EventType.MODERATION_ACTION, user=user, data=data)


def _apply_effect(target: Target, action: str, reason: str, moderator) -> None:
    """Change the target through its owner app's services."""

    if action == Action.REMOVE:
        if target.type == TargetType.VIDEO:
            if target.obj.status in (Video.Status.DELETED,):
                raise ValidationError({"action": ["The author already deleted this video."]})
            feed_services.hide_video(target.obj, status=Video.Status.REMOVED, reason=reason)
        elif target.type == TargetType.COMMENT:
            _set_comment_removed(target.obj, True, reason=reason, moderator=moderator)
    elif action == Action.RESTORE:
        if target.type == TargetType.VIDEO:
            if target.obj.status not in (Video.Status.REMOVED, Video.Status.HELD):
                raise NothingToReverse("Only a removed or held video can be restored.")
            # Consent is re-checked (feed.services.check_video_consent): a refusal leaves
            # the video hidden and the moderator reads why (CameoUseRefused names the cameo).
            feed_services.restore_video(target.obj)
        elif target.type == TargetType.COMMENT:
            if not target.obj.is_removed:
                raise NothingToReverse("This comment is not removed.")
            _set_comment_removed(target.obj, False, reason=reason, moderator=moderator)
    elif action in (Action.SUSPEND, Action.UNSUSPEND):
        _set_suspension(_owner_of(target), action, reason=reason, moderator=moderator)


def _owner_of(target: Target) -> User:
    """The account a suspension acts on (a target whose row is gone may have none)."""
    if target.owner is None:
        raise ValidationError({"target_id": ["This target has no account to act on."]})
    return target.owner


def _set_suspension(owner: User, action: str, *, reason: str, moderator) -> None:
    if action == Action.SUSPEND:
        until = timezone.now() + timedelta(days=_suspension_days())
        if owner.is_suspended and owner.suspended_until and owner.suspended_until > until:
            until = owner.suspended_until  # never shorten a longer suspension
        suspend_user(owner, until=until, reason=reason, actor=moderator)
        return
    if not owner.is_suspended:
        raise NothingToReverse("This account is not suspended.")
    unsuspend_user(owner, actor=moderator)


def _set_comment_removed(comment, removed: bool, *, reason: str, moderator) -> None:
    if removed:
        feed_services.hide_comment(comment, reason=reason, actor=moderator)
    else:
        feed_services.restore_comment(comment, actor=moderator)


def take_moderation_action(moderator, item_or_target, action: str, reason: str):
    """Apply `action` to a review item or a target (Video, Comment, User, Cameo or a
    (target_type, target_id) tuple) and log it. Returns the ModerationAction.

    remove/warn/suspend give the affected user a strike; three active strikes within 90 days
    suspend the account. restore/unsuspend reverse the last unreversed remove/suspend on the
    target (and lift its strike). dismiss closes the item without touching anyone.
    """
    reason = _clean_reason(reason)
    target = _check_action(item_or_target, action)
    with recording_refusals(), transaction.atomic():
        logged = _do_action(moderator, target, action, reason)
        item = cast(ReviewItem, logged.review_item)  # _do_action always attaches one
        item.status = (
            ReviewItem.Status.DISMISSED if action == Action.DISMISS else ReviewItem.Status.ACTIONED
        )
        refresh_priority(item)
    return logged


def _check_action(item_or_target, action: str) -> Target:
    """The target `action` may be applied to, or a 400 naming `action` / `target`."""
    if action not in Action.values:
        raise ValidationError({"action": [f"Must be one of {', '.join(Action.values)}."]})
    if isinstance(item_or_target, ReviewItem) and action == Action.DISMISS:
        # A vanished target (a deleted account, say) can still be cleared from the queue.
        item = item_or_target
        target = _load_target(item.target_type, item.target_id) or Target(
            item.target_type, item.target_id, None, item.target_user
        )
    else:
        target = _as_target(item_or_target)
    if action not in ALLOWED_ACTIONS[target.type]:
        raise ValidationError({"action": [f"Cannot {action} a {target.type}."]})
    return target


def _reversed_by(target: Target, action: str) -> ModerationAction | None:
    """The earlier action that `action` reverses (restore → remove, unsuspend → suspend)."""
    if action == Action.RESTORE:
        return _last_unreversed(target, Action.REMOVE)
    if action == Action.UNSUSPEND:
        # The suspension may have been taken from any of the user's items (a video…).
        return (
            ModerationAction.objects.filter(affected_user=target.owner, action=Action.SUSPEND)
            .exclude(reversed_by__isnull=False)
            .order_by("-created_at", "-id")
            .first()
        )
    return None


def log_decision(
    moderator: User | None, *, action: str, target_type: str, target_id: str, reason: str
) -> ModerationAction:
    """One line in the audit log for a decision another app carries out (discovery's trend
    review: approve, reject, expire). No strike, no notification: nobody's content is acted on.
    """
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason[:1000],
    )


def _do_action(moderator, target: Target, action: str, reason: str) -> ModerationAction:
    """Effect, audit line, strike and notification; the caller holds the transaction and
    decides what becomes of the review item."""
    item = _item_for(target)
    reverses = _reversed_by(target, action)
    _apply_effect(target, action, reason, moderator)
    logged = ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        target_type=target.type,
        target_id=target.id,
        reason=reason,
        affected_user=target.owner,
        review_item=item,
        reverses=reverses,
    )
    if reverses is not None:
        Strike.objects.filter(action=reverses, removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
    if action in ModerationAction.STRIKING and target.owner is not None:
        _give_strike(target.owner, logged)
    if action != Action.DISMISS:
        _notify_user(target.owner, logged)
    return logged


def _give_strike(user: User, logged: ModerationAction) -> Strike:
    now = timezone.now()
    strike = Strike.objects.create(
        user=user, action=logged, created_at=now, expires_at=now + STRIKE_WINDOW
    )
    if _active_strikes(user).count() >= STRIKES_TO_SUSPEND and logged.action != Action.SUSPEND:
        user.refresh_from_db(fields=["suspended_until"])
        if not user.is_suspended:
            until = now + timedelta(days=_suspension_days())
            reason = f"{STRIKES_TO_SUSPEND} strikes within {STRIKE_WINDOW.days} days"
            suspend_user(user, until=until, reason=reason, actor=None)
            auto = ModerationAction.objects.create(
                moderator=None,
                action=Action.SUSPEND,
                target_type=TargetType.USER,
                target_id=str(user.pk),
                reason=reason,
                affected_user=user,
            )
            _notify_user(user, auto, until=format_timestamp(until))
    return strike


# --- Appeals -------------------------------------------------------------------------------


def file_appeal(appellant: User, *, action_id, text) -> Appeal:
    """Appeal an action taken on the appellant's content or account (404 for any other)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": ["Say why the action was wrong."]})
    if len(text) > 2000:
        raise ValidationError({"text": ["At most 2000 characters."]})
    try:
        action_pk = int(action_id)
    except (TypeError, ValueError, OverflowError):
        raise NotFound("No such action.") from None
    with transaction.atomic():
        action = (
            ModerationAction.objects.select_related("review_item")
            .filter(pk=action_pk, affected_user=appellant, action__in=ModerationAction.APPEALABLE)
            .first()
        )
        if action is None:
            raise NotFound("No such action.")
        if action.reversed_by.exists():
            raise NothingToReverse("This action was already reversed.")
        if action.appeals.exclude(status=Appeal.Status.OPEN).exists():
            raise AppealExists("This action's appeal was already decided.")
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(appellant=appellant, action=action, text=text)
        except IntegrityError:
            raise AppealExists() from None
        if action.review_item_id:
            item = ReviewItem.objects.select_for_update().get(pk=action.review_item_id)
            item.has_open_appeal = True
            item.status = ReviewItem.Status.OPEN
            refresh_priority(item)
    return appeal


def decide_appeal(moderator, appeal: Appeal, upheld: bool, reason: str) -> Appeal:
    """Uphold (reverse the action, lift its strike, lift a strikes suspension that no longer
    has three strikes behind it) or deny an open appeal; the appellant is told either way.

    An upheld removal restores the video only if consent still holds for it (the restore
    re-checks it); otherwise the appeal is still upheld and its strike lifted, the video stays
    hidden, and the decision says so (`restored: false`).
    """
    reason = _clean_reason(reason)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("action").get(pk=appeal.pk)
        if appeal.status != Appeal.Status.OPEN:
            raise Conflict("This appeal is already decided.")
        restored = None
        if upheld:
            restored = _reverse_appealed_action(moderator, appeal.action, reason)
            _lift_strikes_suspension(moderator, appeal.appellant)
        _record_decision(moderator, appeal, upheld, reason)
        _close_appeal_item(appeal.action)
        data = {"appeal_id": appeal.pk, "action_id": appeal.action_id, "appeal": appeal.status}
        if restored is not None:
            data["restored"] = restored
        notify(appeal.appellant, Notification.Kind.MODERATION, data={**data, "reason": reason})
        record_event(
            EventType.MODERATION_ACTION, user=appeal.appellant, data={**data, "reason": reason}
        )
    return appeal


def _reverse_appealed_action(moderator, action: ModerationAction, reason: str) -> bool | None:
    """Undo the appealed remove or suspend and lift its strike; for a remove, whether the
    target was put back (False: deleted meanwhile, or consent refused)."""
    why = f"Appeal upheld: {reason}"
    restored = None
    if action.action == Action.REMOVE and not action.reversed_by.exists():
        restored = _restore_for_appeal(moderator, action, why)
    elif action.action == Action.SUSPEND and not action.reversed_by.exists():
        user = action.affected_user
        if user is not None:
            user.refresh_from_db(fields=["suspended_until"])
        if user is not None and user.is_suspended:
            _do_action(moderator, _as_target(user), Action.UNSUSPEND, why)
    Strike.objects.filter(action=action, removed_at__isnull=True).update(removed_at=timezone.now())
    return restored


def _restore_for_appeal(moderator, action: ModerationAction, why: str) -> bool:
    try:
        # A refusal's ledger row goes with the savepoint: recording_refusals writes it again.
        with recording_refusals(), transaction.atomic():
            target = _check_action((action.target_type, action.target_id), Action.RESTORE)
            _do_action(moderator, target, Action.RESTORE, why)
    except CameoUseRefused:
        return False
    except (NothingToReverse, ValidationError):
        return False  # the author deleted it meanwhile: nothing to put back
    return True


def _lift_strikes_suspension(moderator, user: User) -> None:
    """Lift an automatic strikes suspension that no longer has three strikes behind it."""
    user.refresh_from_db(fields=["suspended_until"])
    if not user.is_suspended or _active_strikes(user).count() >= STRIKES_TO_SUSPEND:
        return
    latest = (
        ModerationAction.objects.filter(
            affected_user=user, action__in=[Action.SUSPEND, Action.UNSUSPEND]
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if latest is None or latest.action != Action.SUSPEND or latest.moderator_id is not None:
        return
    unsuspend_user(user, actor=moderator)
    ModerationAction.objects.create(
        moderator=moderator,
        action=Action.UNSUSPEND,
        target_type=TargetType.USER,
        target_id=str(user.pk),
        reason=f"Fewer than {STRIKES_TO_SUSPEND} strikes after an upheld appeal",
        affected_user=user,
        reverses=latest,
    )


def _record_decision(moderator, appeal: Appeal, upheld: bool, reason: str) -> None:
    appeal.status = Appeal.Status.UPHELD if upheld else Appeal.Status.DENIED
    appeal.decided_by = moderator
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])


def _close_appeal_item(action: ModerationAction) -> None:
    """The item goes back to `actioned` once no appeal on it is open."""
    if not action.review_item_id:
        return
    item = ReviewItem.objects.select_for_update().get(pk=action.review_item_id)
    item.has_open_appeal = Appeal.objects.filter(
        action__review_item=item, status=Appeal.Status.OPEN
    ).exists()
    if not item.has_open_appeal:
        item.status = ReviewItem.Status.ACTIONED
    refresh_priority(item)
