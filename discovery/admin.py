"""The trends review page of the moderation console (Django admin).

Moderators (the `moderators` group: view_trend + review_trend) approve or reject candidates;
nobody adds or edits trends by hand: the refresh task writes them, decisions go through
discovery.services (which write the audit log).
"""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.utils.html import format_html

from discovery import services
from discovery.models import Trend


class TrendStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Trend.Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(Trend)
class TrendAdmin(admin.ModelAdmin):
    list_display = (
        "target",
        "kind",
        "status",
        "score_col",
        "recent_col",
        "teen_safe",
        "expires_at",
        "decided_by",
    )
    list_filter = (TrendStatusFilter, "kind", "teen_safe")
    ordering = ("status", "-score")
    actions = ["approve", "approve_teen_safe", "reject"]
    list_select_related = ("hashtag", "video", "decided_by")
    readonly_fields = [f.name for f in Trend._meta.fields]

    def changelist_view(self, request, extra_context=None):
        # Open on what needs a decision.
        if not request.GET and request.method == "GET":
            return HttpResponseRedirect(f"{request.path}?status={Trend.Status.PENDING}")
        return super().changelist_view(request, extra_context)

    @admin.display(description="trend")
    def target(self, obj):
        if obj.kind == Trend.Kind.HASHTAG:
            return format_html("<span class='trend-tag'>#{}</span>", obj.hashtag.name)
        return format_html(
            "<span class='trend-video'>video {}: {}</span>", obj.video_id, obj.video.caption[:80]
        )

    @admin.display(description="likes/h above usual", ordering="score")
    def score_col(self, obj):
        return f"{obj.score:.1f}"

    @admin.display(description="likes, last hour")
    def recent_col(self, obj):
        return f"{obj.recent_likes:.0f}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("discovery.review_trend")

    def _decide(self, request, queryset, decide, label):
        done = 0
        for trend in queryset:
            decide(request.user, trend)
            done += 1
        self.message_user(request, f"{label}: {done} trend(s).", messages.SUCCESS)

    @admin.action(description="Approve selected trends", permissions=["review"])
    def approve(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda m, t: services.approve_trend(m, t, teen_safe=False),
            "Approved",
        )

    @admin.action(description="Approve selected trends, safe for teens", permissions=["review"])
    def approve_teen_safe(self, request, queryset):
        self._decide(
            request,
            queryset,
            lambda m, t: services.approve_trend(m, t, teen_safe=True),
            "Approved (teen-safe)",
        )

    @admin.action(description="Reject selected trends", permissions=["review"])
    def reject(self, request, queryset):
        self._decide(request, queryset, services.reject_trend, "Rejected")
