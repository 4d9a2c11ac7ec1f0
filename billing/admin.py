"""The console's billing pages: a user's ledger, grants and revocations with a reason, purchase
refunds through Stripe, and the month's rights-holder statements as CSV.

Every change goes through billing's services; the ledger entry they append (actor, reason,
hash-chained) is the audit record, and the console also logs it in Django's admin log.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from rest_framework.exceptions import APIException, ValidationError

from billing import rights, services, stripe_gateway
from billing.models import CreditAccount, CreditEntry, RevenueShareEntry, StripeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CreditEntryInline(admin.TabularInline):
    model = CreditEntry
    fields = ["seq", "kind", "amount", "balance_after", "job_id", "reason", "actor", "at"]
    readonly_fields = fields
    ordering = ["-seq"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GrantForm(forms.Form):
    amount = forms.IntegerField(help_text="Credits: positive grants, negative revokes.")
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(forms.ModelForm):
    plan = forms.ChoiceField(choices=())

    class Meta:
        model = CreditAccount
        fields = ["plan"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.conf import settings

        self.fields["plan"].choices = [(name, name) for name in settings.PLANS]


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    form = PlanForm
    list_display = ["user", "plan", "balance", "seq", "updated_at"]
    list_filter = ["plan"]
    search_fields = ["user__handle"]
    readonly_fields = ["user", "balance", "seq", "head_hash", "opened_at", "updated_at"]
    inlines = [CreditEntryInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        services.set_plan(obj.user, form.cleaned_data["plan"])

    def get_urls(self):
        grant = self.admin_site.admin_view(self.grant_view)
        return [
            path("<int:user_id>/grant/", grant, name="billing_creditaccount_grant"),
            *super().get_urls(),
        ]

    def grant_view(self, request, user_id):
        """Grant or revoke credits with a reason (billing.services.grant_credits)."""
        account = get_object_or_404(CreditAccount, pk=user_id)
        if not self.has_change_permission(request, account):
            raise PermissionDenied
        form = GrantForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                entry = services.grant_credits(
                    account.user,
                    form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except ValidationError as error:
                for field, problems in error.detail.items():  # type: ignore[union-attr]
                    form.add_error(field if field in form.fields else None, problems)
            else:
                self.log_change(
                    request,
                    account,
                    f"{entry.amount:+d} credits (entry #{entry.seq}): {entry.reason}",
                )
                self.message_user(
                    request, f"{entry.amount:+d} credits; balance {entry.balance_after}."
                )
                return redirect(reverse("admin:billing_creditaccount_change", args=[user_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Grant or revoke credits: {account.user}",
            "form": form,
            "account": account,
            "opts": self.model._meta,
        }
        return render(request, "admin/billing/grant.html", context)


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["account", "seq", "kind", "amount", "balance_after", "job_id", "at"]
    list_filter = ["kind"]
    search_fields = ["account__user__handle", "job_id"]
    list_select_related = ["account__user"]
    actions = ["refund_purchases"]

    @admin.action(
        description="Refund selected purchases through Stripe (credits reversed)",
        permissions=["refund"],
    )
    def refund_purchases(self, request, queryset):
        done = 0
        for purchase in queryset.filter(kind=CreditEntry.Kind.PURCHASE).select_related("checkout"):
            if purchase.reversed_by.exists():
                continue
            intent = purchase.checkout.payment_intent if purchase.checkout_id else ""
            if not intent:
                self.message_user(request, f"#{purchase.pk}: no payment to refund.", messages.ERROR)
                continue
            try:
                refund_id = stripe_gateway.refund_payment(
                    intent, idempotency_key=f"refund-entry-{purchase.pk}"
                )
            except APIException as error:
                self.message_user(request, f"#{purchase.pk}: {error.detail}", messages.ERROR)
                continue
            entry = services.reverse_purchase(
                purchase, reason=f"refunded by the console ({refund_id})", actor=request.user
            )
            if entry is not None:
                self.log_change(request, purchase.account, f"refunded purchase #{purchase.seq}")
                done += 1
        self.message_user(request, f"{done} purchase(s) refunded.")

    def has_refund_permission(self, request) -> bool:
        """Refunds move money: those who may change credit accounts (admins) only."""
        return request.user.has_perm("billing.change_creditaccount")


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", help_text="YYYY-MM (UTC)")


@admin.register(RevenueShareEntry)
class RevenueShareEntryAdmin(ReadOnlyAdmin):
    list_display = ["holder", "seq", "kind", "entity", "job_id", "credits_spent", "amount", "at"]
    list_filter = ["kind", "entity"]
    list_select_related = ["holder", "entity"]
    change_list_template = "admin/billing/revenueshareentry/change_list.html"

    def get_urls(self):
        export = self.admin_site.admin_view(self.export_view)
        return [
            path("export/", export, name="billing_revenueshareentry_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """A month of every holder's statement entries as CSV."""
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        form = MonthForm(request.GET or {"month": timezone.now().strftime("%Y-%m")})
        if not form.is_valid():
            return HttpResponse("month: expected YYYY-MM", status=400, content_type="text/plain")
        month = form.cleaned_data["month"]
        response = HttpResponse(rights.month_csv(month), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rights-statements-{month}.csv"'
        return response


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "outcome", "user", "received_at"]
    list_filter = ["type", "outcome"]
    search_fields = ["event_id"]
