"""What clients send to and get from the moderation endpoints (API.md, "Moderation")."""

from rest_framework import serializers

from moderation.models import Appeal, ModerationAction, Report, TargetType


class ReportCreateSerializer(serializers.Serializer):
    """`{target_type: video|comment|user|cameo, target_id, reason, details?}`.

    `target_id` is the video or cameo id, the comment id, or the user's id or handle (a cameo
    may also be named by its owner's handle)."""

    target_type = serializers.ChoiceField(choices=TargetType.choices)
    target_id = serializers.CharField(max_length=64, trim_whitespace=True)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "details", "created_at"]


class AppealCreateSerializer(serializers.Serializer):
    """`{action, text}`: the id of an action from GET me/moderation, and why it was wrong."""

    action = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    text = serializers.CharField(max_length=2000, trim_whitespace=True)


class AppealSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appeal
        fields = ["id", "action", "text", "status", "decision_reason", "decided_at", "created_at"]


class MyModerationActionSerializer(serializers.ModelSerializer):
    """An action taken on the caller's content or account. The moderator is not named."""

    appealable = serializers.SerializerMethodField()
    appeal = serializers.SerializerMethodField()

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "action",
            "target_type",
            "target_id",
            "reason",
            "reverses",
            "created_at",
            "appealable",
            "appeal",
        ]

    def _appeals(self, obj):
        return sorted(obj.appeals.all(), key=lambda a: a.created_at, reverse=True)

    def get_appealable(self, obj) -> bool:
        return (
            obj.action in ModerationAction.APPEALABLE
            and not obj.reversed_by.all()
            and not self._appeals(obj)
        )

    def get_appeal(self, obj) -> dict | None:
        appeals = self._appeals(obj)
        return AppealSerializer(appeals[0]).data if appeals else None
