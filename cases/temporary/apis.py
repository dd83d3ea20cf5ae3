"""The emergency API (/api/temporary/emergencies/): the same services, selectors and scoping
as the pages; errors answer through the one exception handler (relief/api_errors.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases.intake.serializers import ComputationSerializer
from cases.temporary import selectors, services
from cases.temporary.serializers import (
    EmergencyDetailSerializer,
    EmergencyInputSerializer,
    EmergencySerializer,
    GrantInputSerializer,
    GrantSerializer,
    IdentifyInputSerializer,
    TemporaryAmountInputSerializer,
    TownshipStatsSerializer,
)
from cases.temporary.stats import temporary_statistics
from cases.temporary.views import LIST_ROLES, STATS_ROLES, stats_year
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import client_address_of
from relief.models import Role
from relief.scoping import townships_for_user, villages_for_user


class EmergencyViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def _require(self, roles) -> None:
        if not self.request.user.has_role(*roles):
            raise PermissionDenied("您的角色无权办理急难型临时救助")

    def _answer(self, emergency, code=status.HTTP_200_OK) -> Response:
        summary = selectors.emergency_summary(emergency)
        emergency.grants = summary["grants"]
        emergency.year = summary["year"]
        emergency.skipped = summary["skipped"]
        return Response(EmergencyDetailSerializer(emergency).data, status=code)

    @extend_schema(
        summary="急难救助（在办；?all=1 全部）", responses=EmergencySerializer(many=True)
    )
    def list(self, request):
        self._require(LIST_ROLES)
        show_all = request.query_params.get("all") == "1"
        rows = selectors.emergency_list_for_user(user=request.user, open_only=not show_all)[:200]
        return Response(EmergencySerializer(rows, many=True).data)

    @extend_schema(
        summary="一件急难救助：先行救助、本户年度累计、免于办理的环节",
        responses=EmergencyDetailSerializer,
    )
    def retrieve(self, request, pk=None):
        self._require(LIST_ROLES)
        return self._answer(selectors.emergency_get_for_user(user=request.user, pk=pk))

    @extend_schema(
        summary="登记急难救助（身份证号，或身份待核并描述）",
        request=EmergencyInputSerializer,
        responses={201: EmergencyDetailSerializer},
    )
    def create(self, request):
        self._require(services.REGISTER_ROLES)
        data = EmergencyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        village = villages_for_user(request.user).filter(pk=values.pop("village")).first()
        if village is None:
            raise ValidationError({"village": "请选择本辖区的村(社区)"})
        case = services.emergency_register(
            actor=request.user, village=village, client_address=client_address_of(request), **values
        )
        emergency = selectors.emergency_get_for_user(user=request.user, pk=case.pk)
        return self._answer(emergency, status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记先行救助（超出本级审批权限的金额被拒绝，并写明须由哪一级决定）",
        request=GrantInputSerializer,
        responses={201: GrantSerializer},
    )
    @action(detail=True, methods=["post"])
    def grants(self, request, pk=None):
        self._require(services.GRANT_ROLES)
        emergency = selectors.emergency_get_for_user(user=request.user, pk=pk)
        data = GrantInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.emergency_grant_create(
            case=emergency.case,
            actor=request.user,
            client_address=client_address_of(request),
            **data.validated_data,
        )
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="核实身份待核当事人的身份证号",
        request=IdentifyInputSerializer,
        responses={200: EmergencyDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def identify(self, request, pk=None):
        self._require((Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT))
        emergency = selectors.emergency_get_for_user(user=request.user, pk=pk)
        data = IdentifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.emergency_identify(
            case=emergency.case,
            actor=request.user,
            id_number=data.validated_data["id_number"],
            client_address=client_address_of(request),
        )
        return self._answer(selectors.emergency_get_for_user(user=request.user, pk=pk))


class TemporaryCaseViewSet(viewsets.ViewSet):
    """支出型临时救助 cases: the amount by the county's rule (the page's form, the same service)."""

    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="核定支出型临时救助金额（按县(区)规定的计算方式，附计算过程）",
        request=TemporaryAmountInputSerializer,
        responses=ComputationSerializer,
    )
    @action(detail=True, methods=["post"])
    def amount(self, request, pk=None):
        if not request.user.has_role(*services.AMOUNT_ROLES):
            raise PermissionDenied("您的角色不能核定临时救助金额")
        case = case_get_for_user(user=request.user, pk=pk)
        data = TemporaryAmountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        computation = services.temporary_amount_compute(
            case=case,
            actor=request.user,
            client_address=client_address_of(request),
            **data.validated_data,
        )
        return Response(ComputationSerializer(computation).data)


class TemporaryStatsViewSet(viewsets.ViewSet):
    """临时救助 statistics per township (the page's selector and scoping)."""

    @extend_schema(
        summary="临时救助统计：各乡镇按审批层级、事由、月份的件数与金额，先行救助中位小时数",
        parameters=[OpenApiParameter("year", int, description="年度（默认今年）")],
        responses=TownshipStatsSerializer(many=True),
    )
    def list(self, request):
        if not request.user.has_role(*STATS_ROLES):
            raise PermissionDenied("您的角色无权查看临时救助统计")
        rows = temporary_statistics(
            townships=townships_for_user(request.user),
            year=stats_year(request.query_params.get("year")),
        )
        return Response(TownshipStatsSerializer(rows, many=True).data)


def register(router) -> None:
    router.register("temporary/emergencies", EmergencyViewSet, basename="temporary-emergency")
    router.register("temporary/cases", TemporaryCaseViewSet, basename="temporary-case")
    router.register("temporary/stats", TemporaryStatsViewSet, basename="temporary-stats")
