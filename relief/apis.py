"""Core API: the current user, regions, assistance types, delegations (with the
holds-power question and status changes), the effective policy and working-day sums.

Thin views: reads through relief/selectors.py (404 outside the user's region), writes
through the same services as the administration pages, answers about delegation and the
calendar only through relief.delegation and relief.workdays.
"""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotAuthenticated, PermissionDenied, ValidationError
from rest_framework.response import Response

from relief import selectors
from relief.delegation import delegation_change_status, delegation_in_force, status_on
from relief.models import AssistanceType, Delegation, DelegationEvent, Region, Role, today
from relief.policy import KEY_BY_NAME, policy_for
from relief.tokens import token_expires_at, token_get_or_issue, token_revoke
from relief.workdays import add_workdays_info

# --- Serializers --------------------------------------------------------------------------


class RegionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "level"]


class RegionSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(
        source="parent.code", default=None, read_only=True, allow_null=True
    )
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "level_label", "parent_code", "active"]


class RoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField()
    extra_role = serializers.CharField(allow_blank=True)
    roles = RoleSerializer(many=True)
    is_administrator = serializers.BooleanField()
    region = RegionBriefSerializer(allow_null=True)


class AssistanceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssistanceType
        fields = ["id", "code", "name", "category", "subtype", "workflow", "active", "sort_order"]


class DelegationEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = DelegationEvent
        fields = ["status", "effective_date", "reason", "actor", "created_at"]


class DelegationSerializer(serializers.ModelSerializer):
    township = RegionBriefSerializer(read_only=True)
    assistance_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    status_today = serializers.SerializerMethodField()

    class Meta:
        model = Delegation
        fields = [
            "id",
            "township",
            "assistance_type",
            "document_no",
            "document_date",
            "effective_from",
            "effective_until",
            "phase",
            "status",
            "status_reason",
            "status_today",
        ]

    def get_status_today(self, obj) -> str:
        return status_on(obj, today())


class DelegationDetailSerializer(DelegationSerializer):
    events = DelegationEventSerializer(many=True, read_only=True)

    class Meta(DelegationSerializer.Meta):
        fields = [*DelegationSerializer.Meta.fields, "events"]


class DelegationStatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Delegation.Status.choices)
    effective_date = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class HoldsPowerSerializer(serializers.Serializer):
    township = serializers.CharField()
    assistance_type = serializers.CharField()
    date = serializers.DateField()
    holds_power = serializers.BooleanField()
    delegation_id = serializers.IntegerField(allow_null=True)
    document_no = serializers.CharField(allow_null=True)
    phase = serializers.CharField(allow_null=True)


class WorkdaysAddSerializer(serializers.Serializer):
    start = serializers.DateField()
    n = serializers.IntegerField()
    date = serializers.DateField()
    confirmed = serializers.BooleanField()


# --- Parameters -----------------------------------------------------------------------


def _date_param(request, name: str, *, required: bool = False) -> datetime.date:
    raw = request.query_params.get(name)
    if not raw:
        if required:
            raise ValidationError({name: "请提供日期（YYYY-MM-DD）"})
        return today()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: "日期格式应为 YYYY-MM-DD"})


def _required(request, name: str, label: str) -> str:
    raw = (request.query_params.get(name) or "").strip()
    if not raw:
        raise ValidationError({name: f"请提供{label}"})
    return raw


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


# --- Views --------------------------------------------------------------------------------


class TokenView(ObtainAuthToken):
    """POST: user name and password → the user's token and when it expires (a new token
    once the old one has expired). DELETE: the caller revokes their own token."""

    @extend_schema(
        request=AuthTokenSerializer,
        responses=TokenSerializer,
        summary="获取接口令牌（有效期见 expires_at）",
        tags=["core"],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = token_get_or_issue(user=serializer.validated_data["user"])
        data = {"token": token.key, "expires_at": token_expires_at(token)}
        return Response(TokenSerializer(data).data)

    @extend_schema(request=None, responses={204: None}, summary="撤销本人的接口令牌", tags=["core"])
    def delete(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses=MeSerializer, summary="当前用户：角色与所属区划", tags=["core"])
@api_view(["GET"])
def me(request):
    user = request.user
    data = {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "extra_role": user.extra_role,
        "roles": [{"code": r, "label": Role(r).label} for r in (user.role, user.extra_role) if r],
        "is_administrator": user.is_administrator,
        "region": user.region,
    }
    return Response(MeSerializer(data).data)


@extend_schema(tags=["core"])
@extend_schema(
    parameters=[
        OpenApiParameter("level", str, enum=Region.Level.values, description="按层级筛选"),
        OpenApiParameter("parent", str, description="上级区划代码"),
    ]
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions inside the user's region (county users: the county tree)."""

    serializer_class = RegionSerializer
    lookup_field = "code"

    def get_queryset(self):
        qs = selectors.region_list_for_user(user=self.request.user)
        level = self.request.query_params.get("level")
        if level:
            qs = qs.filter(level=level)
        parent = self.request.query_params.get("parent")
        if parent:
            qs = qs.filter(parent__code=parent)
        return qs


@extend_schema(
    tags=["core"], parameters=[OpenApiParameter("active", bool, description="仅启用的类型")]
)
class AssistanceTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """Assistance types (data, DOMAIN §3): readable by every signed-in user."""

    serializer_class = AssistanceTypeSerializer
    lookup_field = "code"

    def get_queryset(self):
        active = self.request.query_params.get("active")
        return selectors.assistance_type_list(active_only=active in ("1", "true", "True"))


@extend_schema(
    tags=["core"],
    parameters=[
        OpenApiParameter("township", str, description="乡镇区划代码"),
        OpenApiParameter("type", str, description="救助类型代码"),
    ],
)
class DelegationViewSet(viewsets.ReadOnlyModelViewSet):
    """Entrustments of the power of 审核确认, scoped to the user's region."""

    def get_queryset(self):
        qs = selectors.delegation_list_for_user(user=self.request.user).prefetch_related(
            "events__actor"
        )
        if self.request.query_params.get("township"):
            qs = qs.filter(township__code=self.request.query_params["township"])
        if self.request.query_params.get("type"):
            qs = qs.filter(assistance_type__code=self.request.query_params["type"])
        return qs.order_by("township__code", "assistance_type__sort_order", "-effective_from", "pk")

    def get_serializer_class(self):
        return DelegationDetailSerializer if self.action == "retrieve" else DelegationSerializer

    @extend_schema(
        summary="乡镇在某日是否持有某类型的审核确认权",
        parameters=[
            OpenApiParameter("township", str, required=True, description="乡镇区划代码"),
            OpenApiParameter("type", str, required=True, description="救助类型代码"),
            OpenApiParameter("date", OpenApiTypes.DATE, description="日期，默认今天"),
        ],
        responses=HoldsPowerSerializer,
    )
    @action(detail=False, methods=["get"], url_path="holds-power")
    def holds_power(self, request):
        code = _required(request, "township", "乡镇区划代码")
        type_code = _required(request, "type", "救助类型代码")
        on = _date_param(request, "date")
        township = selectors.township_get_for_user(user=request.user, code_or_pk=code)
        try:
            atype = AssistanceType.objects.get(code=type_code)
        except AssistanceType.DoesNotExist:
            raise ValidationError({"type": f"未知的救助类型：{type_code}"})
        deciding = delegation_in_force(township, atype, on)
        data = {
            "township": township.code,
            "assistance_type": atype.code,
            "date": on,
            "holds_power": deciding is not None,
            "delegation_id": deciding.pk if deciding else None,
            "document_no": deciding.document_no if deciding else None,
            "phase": deciding.phase if deciding else None,
        }
        return Response(HoldsPowerSerializer(data).data)

    @extend_schema(
        summary="暂停 / 恢复 / 收回委托（管理员、县民政局）",
        request=DelegationStatusChangeSerializer,
        responses=DelegationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request, pk=None):
        delegation = self.get_object()
        user = request.user
        if not (user.is_administrator or user.has_role(Role.COUNTY_SUPERVISOR)):
            raise PermissionDenied("只有系统管理员或县民政局可以变更委托状态")
        s = DelegationStatusChangeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        delegation_change_status(delegation=delegation, actor=user, **s.validated_data)
        fresh = self.get_queryset().get(pk=delegation.pk)
        return Response(DelegationDetailSerializer(fresh).data)


@extend_schema(
    tags=["core"],
    summary="某乡镇(或县)在某日生效的政策参数",
    parameters=[
        OpenApiParameter("township", str, required=True, description="乡镇(或县、村)区划代码"),
        OpenApiParameter("date", OpenApiTypes.DATE, description="日期，默认今天"),
    ],
    responses=inline_serializer(
        "EffectivePolicy",
        {
            "region": RegionBriefSerializer(),
            "date": serializers.DateField(),
            "values": serializers.DictField(child=serializers.JSONField()),
            "sources": serializers.DictField(child=serializers.CharField()),
            "levels": serializers.DictField(child=serializers.CharField()),
            "labels": serializers.DictField(child=serializers.CharField()),
        },
    ),
)
@api_view(["GET"])
def policy_effective(request):
    code = _required(request, "township", "区划代码")
    on = _date_param(request, "date")
    region = get_object_or_404(selectors.region_list_for_user(user=request.user), code=code)
    policy = policy_for(region, on)
    return Response(
        {
            "region": RegionBriefSerializer(region).data,
            "date": on.isoformat(),
            "values": {k: KEY_BY_NAME[k].to_json(v) for k, v in policy.values.items()},
            "sources": policy.sources,
            "levels": policy.levels,
            "labels": {k: spec.label for k, spec in KEY_BY_NAME.items()},
        }
    )


@extend_schema(
    tags=["core"],
    summary="工作日推算：start 之后第 n 个工作日（当日不计）",
    parameters=[
        OpenApiParameter("start", OpenApiTypes.DATE, required=True),
        OpenApiParameter("n", int, required=True, description="工作日数（0–1000）"),
    ],
    responses=WorkdaysAddSerializer,
)
@api_view(["GET"])
def workdays_add(request):
    start = _date_param(request, "start", required=True)
    raw_n = _required(request, "n", "工作日数 n")
    try:
        n = int(raw_n)
    except ValueError:
        raise ValidationError({"n": "n 须为整数"})
    if not 0 <= n <= 1000:
        raise ValidationError({"n": "n 须在 0 到 1000 之间"})
    result = add_workdays_info(start, n)
    return Response(
        WorkdaysAddSerializer(
            {"start": start, "n": n, "date": result.date, "confirmed": result.confirmed}
        ).data
    )
