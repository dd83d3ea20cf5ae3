"""Typed serializers of the emergency API (cases/temporary/apis.py)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from cases.models import GrantBody, GrantKind, HukouType

AMOUNT_ERRORS = {
    "required": "请填写金额",
    "null": "请填写金额",
    "invalid": "金额须为数字（元）",
    "min_value": "金额须大于 0 元",
    "max_decimal_places": "金额最多保留两位小数（分）",
    "max_digits": "金额过大",
    "max_whole_digits": "金额过大",
    "max_string_length": "金额过大",
}


class GrantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    body = serializers.ChoiceField(choices=GrantBody.choices)
    body_label = serializers.CharField(source="get_body_display")
    kind = serializers.ChoiceField(choices=GrantKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    description = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    granted_at = serializers.DateTimeField()
    to_bank = serializers.BooleanField(
        help_text="现金且由乡镇或县批准：列入一次性发放；村级互助金和实物不经银行"
    )


class SkippedStepSerializer(serializers.Serializer):
    step = serializers.CharField()
    reason = serializers.CharField()


class YearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    same_cause_count = serializers.IntegerField()


class EmergencyClockSerializer(serializers.Serializer):
    step_kind = serializers.CharField()
    step_due_at = serializers.DateTimeField(allow_null=True)
    step_due = serializers.DateField(allow_null=True)
    step_due_soon = serializers.BooleanField()
    step_overdue = serializers.BooleanField()
    stopped_on = serializers.DateField(allow_null=True)


class EmergencySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    case_number = serializers.CharField(source="case.number")
    township = serializers.CharField(source="case.township.name")
    village = serializers.CharField(source="case.village.name")
    person_name = serializers.CharField()
    identity_pending = serializers.BooleanField()
    identity_note = serializers.CharField()
    cause = serializers.CharField()
    needs = serializers.CharField()
    registered_at = serializers.DateTimeField()
    helped_at = serializers.DateTimeField(allow_null=True)
    clock = EmergencyClockSerializer(source="case.clock", allow_null=True, default=None)


class EmergencyDetailSerializer(EmergencySerializer):
    grants = GrantSerializer(many=True)
    year = YearSerializer()
    skipped = SkippedStepSerializer(many=True)


class EmergencyInputSerializer(serializers.Serializer):
    village = serializers.IntegerField(min_value=1)
    person_name = serializers.CharField(max_length=40, allow_blank=True)
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    identity_pending = serializers.BooleanField(required=False, default=False)
    identity_note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    cause = serializers.CharField(max_length=40, allow_blank=True)
    needs = serializers.CharField(max_length=200, allow_blank=True)
    address = serializers.CharField(max_length=200, allow_blank=True)
    hukou_type = serializers.ChoiceField(choices=HukouType.choices)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class GrantInputSerializer(serializers.Serializer):
    body = serializers.ChoiceField(choices=GrantBody.choices)
    kind = serializers.ChoiceField(choices=GrantKind.choices)
    description = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages=AMOUNT_ERRORS,
    )


class IdentifyInputSerializer(serializers.Serializer):
    id_number = serializers.CharField(max_length=18)


class TemporaryAmountInputSerializer(serializers.Serializer):
    """支出型 amount: ``severity`` under the standard-multiple rule, ``expenditure`` and
    ``other_aid`` (yuan) under the expenditure rule; the service checks the numbers."""

    severity = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        default="",
        help_text="general / serious / severe",
    )
    expenditure = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=20, default=""
    )
    other_aid = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, max_length=20, default=""
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class StatsBucketSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class StatsTierSerializer(StatsBucketSerializer):
    tier = serializers.CharField()
    label = serializers.CharField()


class StatsCauseSerializer(StatsBucketSerializer):
    cause = serializers.CharField()


class StatsMonthSerializer(StatsBucketSerializer):
    month = serializers.IntegerField()


class TownshipStatsSerializer(serializers.Serializer):
    township = serializers.CharField(source="township.name")
    township_code = serializers.CharField(source="township.code")
    total = StatsBucketSerializer()
    helped = serializers.IntegerField()
    median_help_hours = serializers.FloatField(allow_null=True)
    by_tier = StatsTierSerializer(many=True)
    by_cause = StatsCauseSerializer(many=True)
    by_month = StatsMonthSerializer(many=True)
