"""Clock API: read a case's stored clock, extend its limit. Thin views over
cases.workflow.selectors and cases.clocks.services, the same service the page uses."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.clocks.services import clock_extend
from cases.models import CaseClock
from cases.workflow.selectors import case_get_for_user
from relief.http import client_address_of


class ClockSerializer(serializers.ModelSerializer):
    step_kind_display = serializers.CharField(source="get_step_kind_display", read_only=True)
    can_extend_by = serializers.IntegerField(read_only=True)

    class Meta:
        model = CaseClock
        fields = [
            "case",
            "started_on",
            "limit_wd",
            "limit_max_wd",
            "extended_wd",
            "extended_to",
            "paused_at",
            "paused_workdays",
            "overall_due",
            "due_soon_from",
            "stopped_on",
            "elapsed_wd",
            "on_time",
            "step_kind",
            "step_kind_display",
            "step_started_on",
            "step_due",
            "unconfirmed",
            "due_soon",
            "overdue",
            "step_overdue",
            "can_extend_by",
        ]
        read_only_fields = fields


class ExtendSerializer(serializers.Serializer):
    extra_wd = serializers.IntegerField(label="延长工作日数", min_value=1)
    reason = serializers.CharField(label="延长理由", max_length=500)


def _clock_or_404(case):
    clock = CaseClock.objects.filter(case=case).first()
    if clock is None:
        raise Http404("案件尚未受理，没有办理时限")
    return clock


class CaseClockAPI(APIView):
    @extend_schema(responses=ClockSerializer, summary="案件办理时限")
    def get(self, request, pk):
        case = case_get_for_user(user=request.user, pk=pk)
        return Response(ClockSerializer(_clock_or_404(case)).data)


class CaseExtendDeadlineAPI(APIView):
    @extend_schema(request=ExtendSerializer, responses=ClockSerializer, summary="延长办理时限")
    def post(self, request, pk):
        case = case_get_for_user(user=request.user, pk=pk)
        data = ExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clock = clock_extend(
            case=case,
            actor=request.user,
            extra_wd=data.validated_data["extra_wd"],
            reason=data.validated_data["reason"],
            client_address=client_address_of(request),
        )
        return Response(ClockSerializer(clock).data)


urlpatterns = [
    path("cases/<int:pk>/clock/", CaseClockAPI.as_view(), name="case-clock"),
    path(
        "cases/<int:pk>/extend-deadline/",
        CaseExtendDeadlineAPI.as_view(),
        name="case-extend-deadline",
    ),
]
