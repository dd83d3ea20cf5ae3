"""The review panel's API (/api/panel/meetings/): the same selectors and service as the pages;
service errors answer through the one exception handler (relief/api_errors.py)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases.panel.selectors import panel_meeting_get_for_user, panel_meetings_for_user
from cases.panel.services import PANEL_ROLES, panel_meeting_record
from cases.panel.views import READ_ROLES
from cases.workflow.services import client_address_of


class OpinionSerializer(serializers.Serializer):
    member = serializers.CharField()
    opinion = serializers.CharField()


class PanelReviewSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    case_number = serializers.CharField(source="case.number")
    conclusion = serializers.CharField()
    conclusion_label = serializers.CharField(source="get_conclusion_display")
    opinions = OpinionSerializer(many=True)


class PanelMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    township = serializers.CharField(source="township.name")
    held_on = serializers.DateField()
    members = serializers.ListField(child=serializers.CharField())
    minutes = serializers.CharField()
    recorded_by = serializers.CharField(source="recorded_by.full_name", default="")
    reviews = PanelReviewSerializer(many=True, source="reviews.all")


class ReviewInputSerializer(serializers.Serializer):
    case = serializers.IntegerField(min_value=1)
    conclusion = serializers.ChoiceField(choices=["agree", "disagree"])
    opinions = serializers.DictField(child=serializers.CharField(max_length=500))


class PanelMeetingInputSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    members = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=30
    )
    minutes = serializers.CharField(max_length=10000)
    reviews = ReviewInputSerializer(many=True, min_length=1)


class PanelMeetingViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def _require(self, roles) -> None:
        if not self.request.user.has_role(*roles):
            raise PermissionDenied("您的角色不能查看或登记评审小组会议")

    @extend_schema(summary="评审小组会议", responses=PanelMeetingSerializer(many=True))
    def list(self, request):
        self._require(READ_ROLES)
        meetings = panel_meetings_for_user(user=request.user)[:200]
        return Response(PanelMeetingSerializer(meetings, many=True).data)

    @extend_schema(summary="一次评审小组会议", responses=PanelMeetingSerializer)
    def retrieve(self, request, pk=None):
        self._require(READ_ROLES)
        meeting = panel_meeting_get_for_user(user=request.user, pk=pk)
        return Response(PanelMeetingSerializer(meeting).data)

    @extend_schema(
        summary="登记评审小组会议（出席成员、审议案件、每位成员的意见、会议纪要）",
        request=PanelMeetingInputSerializer,
        responses={201: PanelMeetingSerializer},
    )
    def create(self, request):
        self._require(PANEL_ROLES)
        data = PanelMeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        meeting = panel_meeting_record(
            actor=request.user,
            held_on=values["held_on"],
            members=values["members"],
            minutes=values["minutes"],
            reviews=[dict(r) for r in values["reviews"]],
            client_address=client_address_of(request),
        )
        meeting = panel_meeting_get_for_user(user=request.user, pk=meeting.pk)
        return Response(PanelMeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


def register(router) -> None:
    router.register("panel/meetings", PanelMeetingViewSet, basename="panel-meeting")
