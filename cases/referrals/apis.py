"""The referral API (/api/referrals/): the same services, selectors and scoping as the pages
(a department user sees only its department's referrals); errors through relief/api_errors.py."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases.referrals import selectors, services
from cases.referrals.serializers import (
    AnswerInputSerializer,
    ReferralInputSerializer,
    ReferralSerializer,
)
from cases.referrals.views import LIST_ROLES
from cases.workflow.selectors import case_get_for_user
from cases.workflow.services import client_address_of


class ReferralViewSet(viewsets.ViewSet):
    lookup_value_regex = r"\d+"

    def _require(self, roles) -> None:
        if not self.request.user.has_role(*roles):
            raise PermissionDenied("您的角色无权办理转办")

    @extend_schema(
        summary="转办（未答复；?all=1 全部）",
        parameters=[OpenApiParameter("all", str, description="1：包括已答复")],
        responses=ReferralSerializer(many=True),
    )
    def list(self, request):
        self._require(LIST_ROLES)
        open_only = request.query_params.get("all") != "1"
        rows = selectors.referral_list_for_user(user=request.user, open_only=open_only)[:300]
        return Response(ReferralSerializer(rows, many=True).data)

    @extend_schema(summary="一件转办", responses=ReferralSerializer)
    def retrieve(self, request, pk=None):
        self._require(LIST_ROLES)
        referral = selectors.referral_get_for_user(user=request.user, pk=pk)
        return Response(ReferralSerializer(referral).data)

    @extend_schema(
        summary="转办：登记需求并转给本县(区)的承办部门",
        request=ReferralInputSerializer,
        responses={201: ReferralSerializer},
    )
    def create(self, request):
        self._require(services.REFER_ROLES)
        data = ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case = case_get_for_user(user=request.user, pk=values.pop("case"))
        referral = services.referral_create(
            case=case, actor=request.user, client_address=client_address_of(request), **values
        )
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="登记部门答复和答复日期（乡镇经办人或承办部门）",
        request=AnswerInputSerializer,
        responses=ReferralSerializer,
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        self._require(services.ANSWER_ROLES)
        referral = selectors.referral_get_for_user(user=request.user, pk=pk)
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_answer(
            referral=referral,
            actor=request.user,
            client_address=client_address_of(request),
            **data.validated_data,
        )
        return Response(ReferralSerializer(referral).data)


def register(router) -> None:
    router.register("referrals", ReferralViewSet, basename="referral")
