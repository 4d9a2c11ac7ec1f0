"""What the billing endpoints send and accept (API.md v1.1, "Credits and rights holders")."""

from rest_framework import serializers

from billing.models import CreditEntry, RevenueShareEntry
from config.renderers import format_timestamp


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with milliseconds and a `Z` (API.md v1.1 timestamps), as a string in
    `serializer.data` itself (config/renderers.py formats raw datetimes only when rendering)."""

    def to_representation(self, value):
        return None if value is None else format_timestamp(value)


class CreditEntrySerializer(serializers.ModelSerializer):
    """One ledger line: `amount` is signed (+ adds to the balance); `job` is the generation a
    spend or refund is for; `reverses` the seq of the purchase a reversal takes back."""

    at = UTCDateTimeField()
    job = serializers.UUIDField(source="job_id", allow_null=True)
    reverses = serializers.SerializerMethodField()
    pack = serializers.SerializerMethodField()

    class Meta:
        model = CreditEntry
        fields = [
            "seq",
            "kind",
            "amount",
            "balance_after",
            "job",
            "pack",
            "reverses",
            "reason",
            "at",
            "prev_hash",
            "hash",
        ]

    def get_reverses(self, entry) -> int | None:
        return entry.reverses.seq if entry.reverses_id else None

    def get_pack(self, entry) -> str | None:
        return entry.checkout.pack if entry.checkout_id else None


class CreditsSerializer(serializers.Serializer):
    plan = serializers.CharField()
    daily_limit = serializers.IntegerField()
    used_today = serializers.IntegerField()
    resets_at = UTCDateTimeField()
    balance = serializers.IntegerField()
    prices = serializers.DictField(
        child=serializers.IntegerField(), help_text="Credits per second of video, by size."
    )
    entries = CreditEntrySerializer(many=True, help_text="The latest ledger entries, newest first.")
    valid = serializers.BooleanField(required=False, help_text="With ?verify=1: the chain holds.")


class PackSerializer(serializers.Serializer):
    id = serializers.CharField()
    credits = serializers.IntegerField()
    price = serializers.IntegerField(help_text="In the currency's minor units (cents).")
    currency = serializers.CharField()


class CheckoutRequestSerializer(serializers.Serializer):
    pack = serializers.CharField(max_length=64)


class CheckoutSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The Stripe Checkout Session id.")
    url = serializers.CharField(help_text="Stripe's hosted payment page for this session.")
    pack = PackSerializer()


class WebhookResultSerializer(serializers.Serializer):
    received = serializers.BooleanField()
    outcome = serializers.CharField()


class RevenueShareEntrySerializer(serializers.ModelSerializer):
    entity = serializers.CharField(source="entity.name")
    entity_id = serializers.IntegerField()
    job = serializers.UUIDField(source="job_id")
    share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    at = UTCDateTimeField()

    class Meta:
        model = RevenueShareEntry
        fields = [
            "seq",
            "kind",
            "entity",
            "entity_id",
            "job",
            "credits_spent",
            "share_percent",
            "amount",
            "at",
            "prev_hash",
            "hash",
        ]


class MonthlyTotalSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM (UTC).")
    total = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    entries = serializers.IntegerField()


class StatementSerializer(serializers.Serializer):
    totals = MonthlyTotalSerializer(many=True)
    entries = RevenueShareEntrySerializer(many=True)
    valid = serializers.BooleanField(required=False, help_text="With ?verify=1: the chain holds.")


class InsufficientCreditsSerializer(serializers.Serializer):
    """The 402 body: what the generation costs and what the caller has."""

    detail = serializers.CharField()
    code = serializers.CharField()
    balance = serializers.IntegerField()
    price = serializers.IntegerField()
    resets_at = serializers.CharField(required=False, help_text="When the free allowance resets.")


class BillingErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
