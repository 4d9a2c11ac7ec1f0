from django.contrib import admin

from events.models import Event, WebhookEndpoint


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The outbox, read-only: what happened and whether it was dispatched."""

    list_display = ("type", "user", "created_at", "dispatched_at")
    list_filter = ("type",)
    readonly_fields = ("id", "type", "user", "actor", "data", "created_at", "dispatched_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "user", "created_at", "disabled_at")
    exclude = ("secret",)
    readonly_fields = ("user", "url", "events", "created_at", "failing_since")
