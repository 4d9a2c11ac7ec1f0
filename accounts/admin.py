"""Admin for accounts, one section per model group (users and graph; notifications; cameos)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from accounts.exceptions import NoCameo
from accounts.ledger import verify_ledger
from accounts.models import Block, Cameo, CameoGrant, ConsentEvent, Follow, Notification, User
from accounts.services.cameos import revoke_cameo_consent
from accounts.services.lifecycle import deactivate_user

# --- Users and the social graph ------------------------------------------------------------


class SuspendedFilter(admin.SimpleListFilter):
    title = _("suspended")
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", _("Suspended now")), ("no", _("Not suspended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "no":
            return queryset.filter(Q(suspended_until__isnull=True) | Q(suspended_until__lte=now))
        return queryset


class CutawayUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("handle", "email")

    def clean_handle(self):
        handle = self.cleaned_data["handle"].strip().lower()
        if User.objects.filter(handle__iexact=handle).exists():
            raise forms.ValidationError(_("This handle is taken."))
        return handle


class CutawayUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's UserAdmin re-cut for `handle` (there is no username/first/last name)."""

    form = CutawayUserChangeForm
    add_form = CutawayUserCreationForm
    list_display = (
        "handle",
        "email",
        "display_name",
        "follower_count",
        "following_count",
        "is_active",
        "is_staff",
        "suspended_until",
        "date_joined",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", SuspendedFilter, "groups")
    search_fields = ("handle", "email", "display_name")
    ordering = ("-date_joined",)
    date_hierarchy = "date_joined"
    readonly_fields = ("follower_count", "following_count", "date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("handle", "password")}),
        (_("Profile"), {"fields": ("email", "display_name", "bio", "avatar", "birth_date")}),
        (_("Social"), {"fields": ("follower_count", "following_count")}),
        (_("Moderation"), {"fields": ("is_active", "suspended_until")}),
        (
            _("Permissions"),
            {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("handle", "email", "password1", "password2"),
            },
        ),
    )
    actions = ["deactivate_selected"]

    def save_model(self, request, obj, form, change):
        """Unticking `is_active` deactivates through the service (consent revoked, uses taken
        down), never as a bare flag."""
        deactivating = change and "is_active" in form.changed_data and not obj.is_active
        if deactivating:
            obj.is_active = True  # the service makes the change, with everything it implies
        super().save_model(request, obj, form, change)
        if deactivating:
            deactivate_user(obj, actor=request.user)

    @admin.action(description=_("Deactivate selected users (revokes their cameo consent)"))
    def deactivate_selected(self, request, queryset):
        done = sum(deactivate_user(user, actor=request.user) for user in queryset)
        self.message_user(request, _("Deactivated %(n)d user(s).") % {"n": done})


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "followee", "created_at")
    search_fields = ("follower__handle", "followee__handle")
    raw_id_fields = ("follower", "followee")
    list_select_related = ("follower", "followee")
    date_hierarchy = "created_at"


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    search_fields = ("blocker__handle", "blocked__handle")
    raw_id_fields = ("blocker", "blocked")
    list_select_related = ("blocker", "blocked")
    date_hierarchy = "created_at"


# --- Notifications -------------------------------------------------------------------------


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "actor", "created_at", "read_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__handle", "actor__handle")
    raw_id_fields = ("recipient", "actor")
    list_select_related = ("recipient", "actor")
    date_hierarchy = "created_at"


# --- Cameos and consent ledger -------------------------------------------------------------
# Cameos are changed only through accounts.services.cameos (every change is a ledger event),
# so the console shows them read-only; the one action, revoking consent, goes through the
# service. The ledger can never be added to, changed or deleted from here.


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CameoGrantInline(ReadOnlyInline):
    model = CameoGrant
    fields = readonly_fields = ("grantee", "created_at")


class ConsentEventInline(ReadOnlyInline):
    model = ConsentEvent
    fk_name = "cameo"
    ordering = ("seq",)
    fields = readonly_fields = (
        "seq",
        "action",
        "actor_ref",
        "actor_handle",
        "at",
        "data",
        "details",
        "prev_hash",
        "hash",
    )


def _job_admin_url(job_id) -> str:
    try:
        return reverse("admin:generation_generationjob_change", args=[job_id])
    except NoReverseMatch:
        return "#"


@admin.register(Cameo)
class CameoAdmin(admin.ModelAdmin):
    list_display = ("owner", "status", "permission", "created_at", "verified_at", "revoked_at")
    list_filter = ("status", "permission")
    search_fields = ("owner__handle",)
    list_select_related = ("owner",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "id",
        "owner",
        "status",
        "permission",
        "instructions",
        "rejection_reason",
        "source_sha256",
        "created_at",
        "verified_at",
        "revoked_at",
        "ledger_valid",
        "uses",
    )
    exclude = ("source_clip",)
    inlines = (CameoGrantInline, ConsentEventInline)
    actions = ("revoke_consent",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("owner's ledger verifies"), boolean=True)
    def ledger_valid(self, obj):
        return verify_ledger(obj.owner)

    @admin.display(description=_("uses (jobs; video if published)"))
    def uses(self, obj):
        # JobCameo is generation's model: reached through the reverse relation, not imported.
        rows = obj.job_uses.select_related("job__user").order_by("-created_at")[:200]
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> by @{} ({})</li>',
                (
                    (_job_admin_url(use.job_id), use.job_id, use.job.user.handle, use.job.status)
                    for use in rows
                ),
            ),
        )

    @admin.action(description=_("Revoke consent (takes down every use)"))
    def revoke_consent(self, request, queryset):
        done = 0
        for cameo in queryset.exclude(status=Cameo.Status.REVOKED).select_related("owner"):
            try:
                revoke_cameo_consent(cameo.owner, actor=request.user, reason="moderation")
                done += 1
            except NoCameo:
                continue
        self.message_user(request, _("%(n)d cameo(s) revoked.") % {"n": done})


@admin.register(ConsentEvent)
class ConsentEventAdmin(admin.ModelAdmin):
    """The ledger, read-only: append-only in the model and, on PostgreSQL, in the database."""

    list_display = ("owner", "seq", "action", "actor_handle", "at")
    list_filter = ("action",)
    search_fields = ("owner__handle", "actor_handle")
    list_select_related = ("owner",)
    ordering = ("owner", "seq")
    readonly_fields = (
        "owner",
        "cameo",
        "seq",
        "action",
        "actor",
        "actor_ref",
        "actor_handle",
        "at",
        "data",
        "details",
        "prev_hash",
        "hash",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
