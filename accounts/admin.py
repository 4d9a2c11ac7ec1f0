"""Admin for accounts, one section per model group (users and graph; notifications; cameos)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Block, Follow, Notification, User

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


# --- Cameos and consent ledger (engineer D) ------------------------------------------------
