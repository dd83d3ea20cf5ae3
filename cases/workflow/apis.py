"""Workflow API: list and detail of cases (region-scoped, filterable with the page's
filters), the transitions available to the current user with reasons, and performing a
transition. Same selectors and the same service as the pages."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.models import Case, CaseEvent
from cases.workflow.filters import CaseFilter, flagged_cursor_window
from cases.workflow.selectors import (
    case_events,
    case_get_for_user,
    case_list_summary_count,
    case_page_list_for_user,
)
from cases.workflow.services import (
    CaseChanged,
    available_transitions,
    case_transition,
    client_address_of,
)
from relief.api_errors import ErrorSerializer
from relief.paging import NewestFirstCursorPagination


class CaseListSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    assistance_type = serializers.CharField(source="assistance_type.code", read_only=True)
    assistance_type_name = serializers.CharField(source="assistance_type.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    applicant_name = serializers.CharField(source="applicant.name", read_only=True, default="")
    route = serializers.ChoiceField(choices=Case.Route.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "state",
            "state_label",
            "assistance_type",
            "assistance_type_name",
            "township",
            "township_name",
            "village",
            "village_name",
            "applicant_name",
            "source",
            "route",
            "accepted_on",
            "decided_on",
            "monthly_amount",
            "near_relative_flag",
            "complaint_flag",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "transition",
            "label",
            "source_state",
            "target_state",
            "actor",
            "actor_name",
            "actor_role",
            "opinion",
            "client_address",
            "data",
            "created_at",
        ]
        read_only_fields = fields


class CaseDetailSerializer(CaseListSerializer):
    events = serializers.SerializerMethodField()
    policy_snapshot = serializers.SerializerMethodField()

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "amount_from",
            "refusal_reasons",
            "notice_started_on",
            "documents_complete",
            "check_status",
            "survey_status",
            "county_visit_done",
            "policy_snapshot",
            "events",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {
            "type": "object",
            "description": "办理本案适用的政策参数（受理当日快照）：现行登记的每一项，"
            "快照之后新增的项取其默认值，已取消的项不再列出；_on 为快照日期；未受理的案件为空",
            "additionalProperties": True,
        }
    )
    def get_policy_snapshot(self, case) -> dict:
        """The policy the case is handled under, key by key as the registry knows it now
        (the same values ``case.policy`` applies), not the stored JSON with removed keys."""
        if not case.frozen_policy:
            return {}  # not accepted yet: no snapshot, and no defaults passed off as one
        return case.policy.as_snapshot()

    @extend_schema_field(CaseEventSerializer(many=True))
    def get_events(self, case) -> list[dict]:
        return CaseEventSerializer(case_events(case=case), many=True).data


class TransitionOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    target = serializers.CharField()
    target_label = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    opinion_required = serializers.BooleanField()
    panel_meetings = serializers.SerializerMethodField()

    def get_panel_meetings(self, option) -> list[dict] | None:
        """Set when the confirmation needs the review panel: the meetings that reviewed the
        case (name one as ``panel_meeting``)."""
        if option.panel_meetings is None:
            return None
        return [{"id": pk, "label": label} for pk, label in option.panel_meetings]


def _panel_data(meeting: int | None) -> dict:
    return {} if meeting is None else {"panel_meeting": meeting}


class TransitionRequestSerializer(serializers.Serializer):
    opinion = serializers.CharField(
        label="意见", required=False, allow_blank=True, default="", max_length=4000
    )
    expected_state = serializers.CharField(
        label="操作时看到的状态",
        required=False,
        allow_blank=True,
        default="",
        help_text="若填写且与案件当前状态不同，返回 409（案件已被他人处理）",
    )
    panel_meeting = serializers.IntegerField(
        label="评审小组会议",
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="审核确认须经评审小组集体研究时，审议本案的会议 id",
    )


class TransitionResultSerializer(serializers.Serializer):
    state = serializers.CharField()
    state_label = serializers.CharField()
    event = CaseEventSerializer()


class CaseChangedErrorSerializer(ErrorSerializer):
    state = serializers.CharField()
    state_label = serializers.CharField()


@extend_schema_view(
    list=extend_schema(summary="案件列表（本辖区，可筛选）"),
    retrieve=extend_schema(summary="案件详情（含签署日志）"),
)
class CaseViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = CaseFilter
    lookup_value_regex = r"\d+"
    #: newest first by cursor, count capped at 10,000 (``?page=`` or ``ordering`` by offset)
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self):
        return case_page_list_for_user(user=self.request.user, request=self.request).queryset

    def get_serializer_class(self):
        return CaseDetailSerializer if self.action == "retrieve" else CaseListSerializer

    def page_window(self, *, reverse: bool, position: str | None, k: int) -> list[int] | None:
        """超期 / 临期 (and the filters the summary marks answer): the ids that hold the
        cursor page, read from the marks' partial indexes as the list page reads them, not
        by walking the region's cases newest first checking each clock."""
        if self.action != "list":
            return None
        flagged = self._list_filterset().flagged_marks()
        if flagged is None:
            return None
        return flagged_cursor_window(*flagged, reverse=reverse, position=position, k=k)

    def page_count(self) -> tuple[int, bool] | None:
        """A list filtered on a state or 超期 / 临期 is counted from the summary rows, as the
        list page counts it (not up to 10,000 cases, each joined to its clock)."""
        if self.action != "list":
            return None
        return case_list_summary_count(user=self.request.user, filterset=self._list_filterset())

    _filterset: CaseFilter | None = None

    def _list_filterset(self) -> CaseFilter:
        if self._filterset is None:
            self._filterset = case_page_list_for_user(
                user=self.request.user, params=self.request.query_params, request=self.request
            )
        return self._filterset

    @extend_schema(
        summary="当前用户可办理的操作（含不可办理的原因）",
        responses=TransitionOptionSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="transitions", pagination_class=None)
    def transitions(self, request, pk=None):
        case = case_get_for_user(user=request.user, pk=pk)
        options = available_transitions(case=case, user=request.user)
        return Response(TransitionOptionSerializer(options, many=True).data)

    @extend_schema(
        summary="办理一个操作（签署意见）",
        request=TransitionRequestSerializer,
        parameters=[
            OpenApiParameter(
                "name", OpenApiTypes.STR, OpenApiParameter.PATH, description="操作名，如 confirm"
            )
        ],
        responses={
            200: TransitionResultSerializer,
            400: OpenApiResponse(
                ErrorSerializer, description="不能办理，errors.non_field_errors 列出原因"
            ),
            409: OpenApiResponse(
                CaseChangedErrorSerializer, description="案件已被他人处理，state 为最新状态"
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path=r"transitions/(?P<name>[a-z_]+)")
    def perform(self, request, pk=None, name=None):
        case = case_get_for_user(user=request.user, pk=pk)
        data = TransitionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expected = data.validated_data["expected_state"]
        if expected and expected != case.state:
            raise CaseChanged(case)
        event = case_transition(
            case=case,
            name=name,
            actor=request.user,
            opinion=data.validated_data["opinion"],
            client_address=client_address_of(request),
            data=_panel_data(data.validated_data["panel_meeting"]),
        )
        return Response(
            {
                "state": case.state,
                "state_label": case.get_state_display(),
                "event": CaseEventSerializer(event).data,
            }
        )


def register(router) -> None:
    """Register this module's viewsets on the /api/ router."""
    router.register("cases", CaseViewSet, basename="case")
