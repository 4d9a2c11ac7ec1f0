"""The moderation console (Django admin, customised).

The review queue is the ReviewItem changelist, ordered by priority. Its change view shows the
video playing inline beside its prompt, storyboard, cameos and policy outcome, with a one-click
action form that requires a reason. Bulk actions ask for the reason on an intermediate page.
Items are never edited as rows: every change goes through moderation.services.

Permissions: `moderation.act_on_reviewitem` to act, `moderation.decide_appeal` to decide
appeals; the registry (terms, concepts, protected entities, frame hashes) needs the model's own
add/change/delete permissions, which the `moderators` group does not have.
"""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince
from rest_framework.exceptions import APIException, ValidationError

from accounts.models import Cameo, User
from config.storage import object_file_url
from feed.models import Comment, Video
from generation.provenance import manifest_summary, stored_manifest
from generation.services.publishing import job_file_ref
from moderation import blocklist, services
from moderation.models import (
    Appeal,
    BlockedClip,
    BlockedConcept,
    BlockedFrameHash,
    BlockedPdqHash,
    BlockedTerm,
    Decision,
    HashMatch,
    ModerationAction,
    ProtectedEntity,
    Report,
    ReviewItem,
    Strike,
    TargetType,
)

Action = ModerationAction.Action
QUEUE_ACTIONS = [Action.REMOVE, Action.RESTORE, Action.WARN, Action.SUSPEND, Action.DISMISS]


def _error_text(exc: APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "; ".join(
            f"{field}: {' '.join(str(m) for m in (msgs if isinstance(msgs, list) else [msgs]))}"
            for field, msgs in detail.items()
        )
    if isinstance(detail, list):
        return " ".join(str(m) for m in detail)
    return str(detail)


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.label) for a in QUEUE_ACTIONS])
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Required. The affected user sees it.",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Required. The affected users see it.",
    )


class BlockClipForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        max_length=200,
        help_text="Required. Shown to the author of every copy it stops.",
    )
    decision = forms.ChoiceField(choices=Decision.choices, initial=Decision.BLOCK)


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return [
            *Report.Reason.choices,
            ("held_generation", "held generation"),
            ("appeal", "open appeal"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "held_generation":
            return queryset.filter(held=True)
        if value == "appeal":
            return queryset.filter(has_open_appeal=True)
        return queryset.filter(reports__reason=value).distinct()


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BUCKETS = {
        "1h": (None, timedelta(hours=1)),
        "24h": (timedelta(hours=1), timedelta(hours=24)),
        "7d": (timedelta(hours=24), timedelta(days=7)),
        "older": (timedelta(days=7), None),
    }

    def lookups(self, request, model_admin):
        return [
            ("1h", "under an hour"),
            ("24h", "1–24 hours"),
            ("7d", "1–7 days"),
            ("older", "older than a week"),
        ]

    def queryset(self, request, queryset):
        if self.value() not in self.BUCKETS:
            return queryset
        now = timezone.now()
        younger_than, older_than = self.BUCKETS[self.value()][1], self.BUCKETS[self.value()][0]
        if younger_than is not None:
            queryset = queryset.filter(created_at__gt=now - younger_than)
        if older_than is not None:
            queryset = queryset.filter(created_at__lte=now - older_than)
        return queryset


def _bulk(action_value: str, label: str):
    """An admin action that asks for a reason on an intermediate page, then acts on each item."""

    def run(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, failed = 0, []
            for item in queryset:
                try:
                    services.take_moderation_action(
                        request.user, item, action_value, form.cleaned_data["reason"]
                    )
                    done += 1
                except APIException as exc:
                    failed.append(f"{item}: {_error_text(exc)}")
            if done:
                modeladmin.message_user(request, f"{label}: {done} item(s).", messages.SUCCESS)
            for line in failed:
                modeladmin.message_user(request, line, messages.ERROR)
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{label} — give a reason",
            "opts": modeladmin.model._meta,
            "items": queryset,
            "form": form,
            "action_name": request.POST.get("action"),
            "action_label": label,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/reviewitem/action_reason.html", context)

    run.__name__ = f"bulk_{action_value}"
    return admin.action(description=f"{label} selected items…", permissions=["act"])(run)


def _target_context(item: ReviewItem) -> dict:
    """What the change view shows beside the item: the video and how it was made."""

    context: dict = {"target_kind": item.target_type}
    video = None
    try:
        if item.target_type == TargetType.VIDEO:
            video = Video.objects.select_related("job", "author").get(pk=item.target_id)
        elif item.target_type == TargetType.COMMENT:
            comment = Comment.objects.select_related("video__job", "author").get(
                pk=int(item.target_id)
            )
            context["comment"] = comment
            video = comment.video
        elif item.target_type == TargetType.USER:
            context["profile"] = User.objects.get(pk=int(item.target_id))
        elif item.target_type == TargetType.CAMEO:
            cameo = Cameo.objects.select_related("owner").get(pk=item.target_id)
            context["cameo"] = cameo
            context["video_url"] = object_file_url(
                cameo.source_clip, ref=f"cameo:{cameo.pk}", staff=True
            )
    except (Video.DoesNotExist, Comment.DoesNotExist, User.DoesNotExist, Cameo.DoesNotExist):
        context["missing"] = True
    except (ValueError, TypeError):
        context["missing"] = True
    if video is not None:
        job = video.job
        context.update(
            video=video,
            job=job,
            # Staff-only URLs: a removed or held video stays reviewable (restore needs it),
            # but a URL copied out of the console serves nobody else.
            video_url=object_file_url(job.video_file, ref=job_file_ref(job.pk), staff=True),
            poster_url=object_file_url(job.thumbnail_file, ref=job_file_ref(job.pk), staff=True),
            storyboard=job.storyboard or [],
            cameos=[
                {"handle": jc.cameo.mention, "instructions": jc.cameo.instructions}
                for jc in job.job_cameos.select_related("cameo__owner")
            ],
            policy=job.policy or {},
            policy_json=json.dumps(_verdicts_only(job.policy), indent=2, sort_keys=True),
            frame_scores=_frame_scores(job),
            **_manifest_context(job),
            hash_matches=list(
                HashMatch.objects.filter(job=job).select_related("clip", "frame__clip")
            ),
        )
    return context


def _verdicts_only(policy) -> dict:
    """The policy outcome without the checks' evidence, which has its own panel."""
    return {k: v for k, v in (policy or {}).items() if k not in ("output_evidence", "output_files")}


def _frame_scores(job) -> dict | None:
    """The frame classifier's record for the review page's strip: each sampled frame with a
    staff-only thumbnail URL (served to signed-in staff whatever the video's state)."""
    record = ((job.policy or {}).get("output_evidence") or {}).get("frames")
    if not isinstance(record, dict):
        return None
    ref = job_file_ref(job.pk)
    samples = [
        {
            **sample,
            "shot_number": sample["shot"] + 1 if isinstance(sample.get("shot"), int) else None,
            "thumbnail_url": object_file_url(sample.get("thumbnail") or "", ref=ref, staff=True),
        }
        for sample in record.get("samples") or []
        if isinstance(sample, dict)
    ]
    return {**record, "samples": samples}


def _manifest_context(job) -> dict:
    """The C2PA manifest signed into the job's stored clip, as the review page shows it."""
    try:
        reading = stored_manifest(job)
    except OSError:
        return {"c2pa_error": "The clip could not be read from storage."}
    if reading is None:
        return {"c2pa_error": "The clip carries no C2PA manifest."}
    return {
        "c2pa": manifest_summary(reading),
        "c2pa_json": json.dumps(reading.store, indent=2, sort_keys=True),
    }


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = (
        "target",
        "status",
        "priority",
        "reasons_col",
        "reporters",
        "held",
        "age",
        "owner",
    )
    list_display_links = ("target",)
    list_filter = ("status", ReasonFilter, AgeFilter, "target_type", "held", "has_open_appeal")
    search_fields = ("target_id", "target_user__handle")
    ordering = ("-priority", "created_at")
    list_select_related = ("target_user",)
    list_per_page = 50
    readonly_fields = (
        "target_type",
        "target_id",
        "target_user",
        "status",
        "priority",
        "reasons",
        "report_count",
        "held",
        "has_open_appeal",
        "created_at",
        "updated_at",
    )
    change_form_template = "admin/moderation/reviewitem/change_form.html"
    actions = [
        _bulk(Action.REMOVE, "Remove"),
        _bulk(Action.RESTORE, "Restore"),
        _bulk(Action.WARN, "Warn"),
        _bulk(Action.SUSPEND, "Suspend the owner of"),
        _bulk(Action.DISMISS, "Dismiss"),
    ]

    @admin.display(ordering="target_id")
    def target(self, obj):
        return f"{obj.target_type} {obj.target_id}"

    @admin.display(description="reasons")
    def reasons_col(self, obj):
        return obj.reasons_summary

    @admin.display(description="reporters", ordering="report_count")
    def reporters(self, obj):
        return obj.report_count

    @admin.display(description="waiting", ordering="created_at")
    def age(self, obj):
        return timesince(obj.created_at)

    @admin.display(description="owner", ordering="target_user__handle")
    def owner(self, obj):
        if obj.target_user_id is None:
            return "—"
        url = reverse("admin:moderation_user_history", args=[obj.target_user_id])
        return format_html('<a href="{}">@{}</a>', url, obj.target_user.handle)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_act_permission(self, request):
        return request.user.has_perm("moderation.act_on_reviewitem")

    def changelist_view(self, request, extra_context=None):
        # The queue opens on what needs work; the status filter shows the rest.
        if not request.GET and request.method == "GET":
            return HttpResponseRedirect(f"{request.path}?status__exact=open")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/act/",
                self.admin_site.admin_view(self.act_view),
                name="moderation_reviewitem_act",
            ),
            path(
                "<int:pk>/block-clip/",
                self.admin_site.admin_view(self.block_clip_view),
                name="moderation_reviewitem_block_clip",
            ),
            path(
                "history/<int:user_id>/",
                self.admin_site.admin_view(self.user_history_view),
                name="moderation_user_history",
            ),
            path(
                "history/<int:user_id>/act/",
                self.admin_site.admin_view(self.user_act_view),
                name="moderation_user_act",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if item is not None:
            extra.update(_target_context(item))
            extra.update(
                item=item,
                reports=item.reports.select_related("reporter")[:100],
                actions_log=item.actions.select_related("moderator")[:50],
                open_appeals=Appeal.objects.filter(
                    action__review_item=item, status=Appeal.Status.OPEN
                ).select_related("appellant", "action"),
                mod_action_form=ActionForm(),
                block_clip_form=BlockClipForm(prefix="block"),
                can_block_clip=request.user.has_perm(blocklist.BLOCK_PERMISSION),
                block_clip_url=reverse("admin:moderation_reviewitem_block_clip", args=[item.pk]),
                can_act=self.has_act_permission(request),
                act_url=reverse("admin:moderation_reviewitem_act", args=[item.pk]),
                history_url=(
                    reverse("admin:moderation_user_history", args=[item.target_user_id])
                    if item.target_user_id
                    else None
                ),
            )
        return super().change_view(request, object_id, form_url, extra)

    def act_view(self, request, pk):
        if request.method != "POST":
            raise Http404
        if not self.has_act_permission(request):
            raise PermissionDenied
        item = get_object_or_404(ReviewItem, pk=pk)
        back = reverse("admin:moderation_reviewitem_change", args=[item.pk])
        form = ActionForm(request.POST)
        if not form.is_valid():
            for field, errors in form.errors.items():
                self.message_user(request, f"{field}: {' '.join(errors)}", messages.ERROR)
            return HttpResponseRedirect(back)
        try:
            logged = services.take_moderation_action(
                request.user, item, form.cleaned_data["action"], form.cleaned_data["reason"]
            )
        except APIException as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(
            request, f"{logged.get_action_display()}: {item} ({logged.reason})", messages.SUCCESS
        )
        return HttpResponseRedirect(reverse("admin:moderation_reviewitem_changelist"))

    def block_clip_view(self, request, pk):
        """POST from the review page: block this item's video everywhere."""
        if request.method != "POST":
            raise Http404
        if not request.user.has_perm(blocklist.BLOCK_PERMISSION):
            raise PermissionDenied
        item = get_object_or_404(ReviewItem, pk=pk, target_type=TargetType.VIDEO)
        back = reverse("admin:moderation_reviewitem_change", args=[item.pk])
        video = Video.objects.select_related("job").filter(pk=item.target_id).first()
        form = BlockClipForm(request.POST, prefix="block")
        if video is None or not form.is_valid():
            problem = "The video no longer exists." if video is None else "Give a reason."
            self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(back)
        _block_and_report(self, request, video, **form.cleaned_data)
        return HttpResponseRedirect(back)

    def user_history_view(self, request, user_id):
        if not self.has_view_permission(request):
            raise PermissionDenied

        subject = get_object_or_404(User, pk=user_id)
        strikes = Strike.objects.filter(user=subject).select_related("action")
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of @{subject.handle}",
            "opts": self.model._meta,
            "subject": subject,
            "reports_made": Report.objects.filter(reporter=subject)[:200],
            "reports_against": Report.objects.filter(review_item__target_user=subject)
            .select_related("reporter")
            .order_by("-created_at")[:200],
            "actions": ModerationAction.objects.filter(affected_user=subject).select_related(
                "moderator"
            )[:200],
            "strikes": strikes,
            "active_strikes": sum(1 for s in strikes if s.is_active),
            "appeals": Appeal.objects.filter(appellant=subject).select_related("action"),
            "items": ReviewItem.objects.filter(target_user=subject),
            "can_act": self.has_act_permission(request),
            "act_url": reverse("admin:moderation_user_act", args=[subject.pk]),
            "reason_form": ReasonForm(),
        }
        return TemplateResponse(request, "admin/moderation/user_history.html", context)

    def user_act_view(self, request, user_id):
        """Warn, suspend or unsuspend an account straight from its history page."""

        if request.method != "POST":
            raise Http404
        if not self.has_act_permission(request):
            raise PermissionDenied
        subject = get_object_or_404(User, pk=user_id)
        back = reverse("admin:moderation_user_history", args=[subject.pk])
        form = ReasonForm(request.POST)
        action = request.POST.get("action")
        if action not in (Action.WARN, Action.SUSPEND, Action.UNSUSPEND) or not form.is_valid():
            self.message_user(request, "Choose an action and give a reason.", messages.ERROR)
            return HttpResponseRedirect(back)
        try:
            services.take_moderation_action(
                request.user, subject, action, form.cleaned_data["reason"]
            )
        except APIException as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
        else:
            self.message_user(request, f"{action}: @{subject.handle}", messages.SUCCESS)
        return HttpResponseRedirect(back)


def _block_and_report(model_admin, request, video, *, reason: str, decision: str) -> bool:
    try:
        clip = blocklist.block_clip(request.user, video, reason=reason, decision=decision)
    except APIException as exc:
        model_admin.message_user(request, f"{video.pk}: {_error_text(exc)}", messages.ERROR)
        return False
    model_admin.message_user(
        request,
        f"Blocked everywhere as {clip} ({len(clip.features)} frames hashed); published copies "
        "are being held for review.",
        messages.SUCCESS,
    )
    return True


@admin.action(description="Block these clips everywhere…", permissions=["block_clip"])
def block_clips_everywhere(modeladmin, request, queryset):
    """The Video changelist's action: asks for a reason (and block / hold), then adds each
    selected video's vPDQ + PDQ to the blocklist."""
    if not request.user.has_perm(blocklist.BLOCK_PERMISSION):
        raise PermissionDenied
    form = BlockClipForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        for video in queryset.select_related("job"):
            _block_and_report(modeladmin, request, video, **form.cleaned_data)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Block these clips everywhere — give a reason",
        "opts": modeladmin.model._meta,
        "items": queryset,
        "form": form,
        "action_name": request.POST.get("action"),
        "action_label": "Block everywhere",
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "cancel_url": reverse("admin:feed_video_changelist"),
    }
    return TemplateResponse(request, "admin/moderation/block_clip_reason.html", context)


import feed.admin  # noqa: E402,F401  (registered before its admin gets the action below)

# feed's Video admin gets the action (moderation may look at feed, never the other way).
_video_admin = admin.site.get_model_admin(Video)
_video_admin.actions = (*(_video_admin.actions or ()), block_clips_everywhere)
# What admin's `permissions=["block_clip"]` asks the model admin (has_<name>_permission).
_video_admin.has_block_clip_permission = (  # type: ignore[attr-defined]
    lambda request: request.user.has_perm(blocklist.BLOCK_PERMISSION)
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: append-only, so read-only here too."""

    list_display = (
        "created_at",
        "action",
        "target_type",
        "target_id",
        "affected_user",
        "moderator",
        "reason",
        "reverses",
    )
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("target_id", "affected_user__handle", "moderator__handle", "reason")
    list_select_related = ("affected_user", "moderator")
    date_hierarchy = "created_at"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reporter", "target_type", "target_id", "reason", "review_item")
    list_filter = ("reason", "target_type")
    search_fields = ("target_id", "reporter__handle")
    list_select_related = ("reporter", "review_item")


@admin.register(Strike)
class StrikeAdmin(ReadOnlyAdmin):
    list_display = ("user", "action", "created_at", "expires_at", "removed_at")
    list_filter = ("removed_at",)
    search_fields = ("user__handle",)
    list_select_related = ("user", "action")


class DecideForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=1000)


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("id", "appellant", "action", "status", "created_at", "decided_by")
    list_filter = ("status",)
    search_fields = ("appellant__handle", "text")
    list_select_related = ("appellant", "action", "decided_by")
    readonly_fields = (
        "appellant",
        "action",
        "text",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
        "created_at",
    )
    change_form_template = "admin/moderation/appeal/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="moderation_appeal_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        appeal = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if appeal is not None:
            extra.update(
                appeal=appeal,
                decide_form=DecideForm(),
                can_decide=request.user.has_perm("moderation.decide_appeal")
                and appeal.status == Appeal.Status.OPEN,
                decide_url=reverse("admin:moderation_appeal_decide", args=[appeal.pk]),
            )
        return super().change_view(request, object_id, form_url, extra)

    def decide_view(self, request, pk):
        if request.method != "POST":
            raise Http404
        if not request.user.has_perm("moderation.decide_appeal"):
            raise PermissionDenied
        appeal = get_object_or_404(Appeal, pk=pk)
        back = reverse("admin:moderation_appeal_change", args=[appeal.pk])
        form = DecideForm(request.POST)
        decision = request.POST.get("decision")
        if decision not in ("uphold", "deny") or not form.is_valid():
            self.message_user(request, "Choose uphold or deny and give a reason.", messages.ERROR)
            return HttpResponseRedirect(back)
        try:
            services.decide_appeal(
                request.user, appeal, decision == "uphold", form.cleaned_data["reason"]
            )
        except (APIException, ValidationError) as exc:
            self.message_user(request, _error_text(exc), messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, f"Appeal {appeal.pk}: {decision} done.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:moderation_appeal_changelist"))


# --- The policy registry (admins edit, moderators read) -----------------------------------


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    readonly_fields = ("created_at",)
    list_display = ("pattern", "is_regex", "decision", "reason", "active")
    list_filter = ("is_regex", "decision", "active")
    search_fields = ("pattern", "reason")


@admin.register(BlockedConcept)
class BlockedConceptAdmin(admin.ModelAdmin):
    readonly_fields = ("created_at",)
    list_display = ("description", "decision", "reason", "active")
    list_filter = ("decision", "active")
    search_fields = ("description", "reason")


@admin.register(ProtectedEntity)
class ProtectedEntityAdmin(admin.ModelAdmin):
    readonly_fields = ("created_at",)
    list_display = ("name", "kind", "rights_holder", "opted_in")
    list_filter = ("kind", "opted_in")
    search_fields = ("name", "rights_holder")
    raw_id_fields = ("allowed_users",)


class BlockedFrameHashForm(forms.ModelForm):
    image = forms.ImageField(
        required=False, help_text="Or upload the frame: its hash is computed for you."
    )

    class Meta:
        model = BlockedFrameHash
        fields = ["hash", "image", "max_distance", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hash"].required = False

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image")
        if image:
            from PIL import Image

            from moderation.policy import frame_hash

            with Image.open(image) as frame:
                cleaned["hash"] = frame_hash(frame)
                self.instance.hash = cleaned["hash"]
        elif not cleaned.get("hash"):
            self.add_error("hash", "Give a hash or upload a frame.")
        return cleaned


@admin.register(BlockedFrameHash)
class BlockedFrameHashAdmin(admin.ModelAdmin):
    form = BlockedFrameHashForm
    list_display = ("hash", "max_distance", "reason", "created_at")
    search_fields = ("hash", "reason")


class BlockedPdqHashForm(forms.ModelForm):
    image = forms.ImageField(
        required=False, help_text="Or upload the frame: its PDQ hash and quality are computed."
    )

    class Meta:
        model = BlockedPdqHash
        fields = ["hash", "image", "quality", "max_distance", "decision", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hash"].required = False

    def clean(self):
        cleaned = super().clean()
        image = cleaned.get("image")
        if image:
            from PIL import Image

            from moderation.perceptual import image_pdq

            with Image.open(image) as frame:
                cleaned["hash"], cleaned["quality"] = image_pdq(frame)
            self.instance.hash, self.instance.quality = cleaned["hash"], cleaned["quality"]
        elif not cleaned.get("hash"):
            self.add_error("hash", "Give a hash or upload a frame.")
        return cleaned


@admin.register(BlockedPdqHash)
class BlockedPdqHashAdmin(admin.ModelAdmin):
    form = BlockedPdqHashForm
    list_display = ("hash", "quality", "max_distance", "decision", "reason", "clip", "created_at")
    list_filter = ("decision",)
    search_fields = ("hash", "reason")
    raw_id_fields = ("clip",)


@admin.register(BlockedClip)
class BlockedClipAdmin(admin.ModelAdmin):
    """Clips are added from a video ("Block this clip everywhere"), not typed in."""

    list_display = ("id", "reason", "decision", "frame_count", "source_video_id", "created_by")
    list_filter = ("decision",)
    search_fields = ("reason", "source_video_id")
    readonly_fields = ("features", "source_video_id", "source_job_id", "created_by", "created_at")
    fields = (
        "reason",
        "decision",
        "max_distance",
        "query_match_percent",
        "compared_match_percent",
        *readonly_fields,
    )

    @admin.display(description="frames")
    def frame_count(self, obj):
        return len(obj.features or [])

    def has_add_permission(self, request):
        return False


@admin.register(HashMatch)
class HashMatchAdmin(ReadOnlyAdmin):
    list_display = (
        "job",
        "clip",
        "frame",
        "decision",
        "distance",
        "query_match_percent",
        "compared_match_percent",
        "created_at",
    )
    list_filter = ("decision",)
    list_select_related = ("clip", "frame")
