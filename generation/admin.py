"""Console views of generation: jobs (filter by status/provider) and the read-only quota ledger."""

from django.contrib import admin

from generation.models import GenerationJob, JobCameo, QuotaEntry


class JobCameoInline(admin.TabularInline):
    model = JobCameo
    extra = 0
    can_delete = False
    readonly_fields = ["cameo", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GenerationJob)
class GenerationJobAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "status", "progress", "provider", "model", "created_at"]
    list_filter = ["status", "provider", "aspect"]
    search_fields = ["prompt", "user__handle", "id"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    inlines = [JobCameoInline]
    readonly_fields = [
        "id",
        "user",
        "idempotency_key",
        "request_hash",
        "provider_job_id",
        "attempts",
        "policy",
        "provenance",
        "probe",
        "sha256",
        "video_file",
        "thumbnail_file",
        "preview_file",
        "created_at",
        "started_at",
        "heartbeat_at",
        "finished_at",
    ]


@admin.register(QuotaEntry)
class QuotaEntryAdmin(admin.ModelAdmin):
    """The ledger is append-only: charges and refunds are written by the services only."""

    list_display = ["id", "user", "job", "kind", "amount", "day", "created_at"]
    list_filter = ["kind", "day"]
    search_fields = ["user__handle", "job__id"]
    list_select_related = ["user", "job"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
