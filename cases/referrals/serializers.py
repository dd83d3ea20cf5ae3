"""Typed serializers of the referral API (cases/referrals/apis.py)."""

from __future__ import annotations

from rest_framework import serializers


class ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    township = serializers.CharField(source="case.township.name")
    need_kind = serializers.CharField()
    need = serializers.CharField()
    department = serializers.CharField(source="department.name")
    referred_at = serializers.DateTimeField()
    answer = serializers.CharField()
    answered_on = serializers.DateField(allow_null=True)
    is_open = serializers.BooleanField()
    age_days = serializers.SerializerMethodField()

    def get_age_days(self, obj) -> int:
        return obj.age_days()


class ReferralInputSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    need_kind = serializers.CharField(required=False, allow_blank=True, default="")
    need = serializers.CharField(required=False, allow_blank=True, default="")
    department = serializers.CharField(required=False, allow_blank=True, default="")


class AnswerInputSerializer(serializers.Serializer):
    answer = serializers.CharField(required=False, allow_blank=True, default="")
    answered_on = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="YYYY-MM-DD"
    )
