"""The standing-list API (/api/publicity/…): the villages of the user's region with their
latest list, one village's dated versions, one version's masked rows, and the clerk's
regeneration. Same selectors and service as the pages; another township is a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from funds.publicity import selectors, services
from funds.publicity.models import StandingList
from funds.publicity.tasks import generate_standing_list
from funds.publicity.views import require_read


class StandingRowSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="户主(申请人)姓名，已脱敏")
    group = serializers.CharField(
        default="", help_text="村民小组（未登记时为空；此项加入前生成的版本也为空）"
    )
    type = serializers.CharField(help_text="救助类型")
    persons = serializers.IntegerField(help_text="保障人数")
    amount = serializers.CharField(help_text="月保障金额(元)")


class StandingListSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    village = serializers.IntegerField(source="village_id")
    as_of = serializers.DateField()
    trigger = serializers.ChoiceField(choices=StandingList.Trigger.choices)
    households = serializers.IntegerField()
    persons = serializers.IntegerField()
    monthly_total = serializers.DecimalField(max_digits=14, decimal_places=2)
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    created_by = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()


class StandingListDetailSerializer(StandingListSerializer):
    rows = StandingRowSerializer(many=True)


class StandingJobSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="后台任务编号")
    status = serializers.CharField(
        help_text="任务状态：pending 排队中、running 进行中、done 已完成、failed 失败"
    )
    created = serializers.BooleanField(
        help_text="本次请求是否新建了任务（false：沿用排队中的任务）"
    )
    message = serializers.CharField()
    village = serializers.IntegerField()
    as_of = serializers.DateField(help_text="名单日期")


class StandingVillageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    township_name = serializers.CharField(source="parent.name", default="")
    latest_as_of = serializers.DateField(allow_null=True)
    latest_households = serializers.IntegerField(allow_null=True)


class StandingVillageViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = StandingVillageSerializer

    def get_queryset(self):
        return selectors.standing_villages_for_user(user=self.request.user).select_related("parent")

    @extend_schema(summary="各村(社区)长期公示名单（最新版本）")
    def list(self, request):
        require_read(request.user)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(StandingVillageSerializer(page, many=True).data)

    @extend_schema(
        summary="一个村(社区)的长期公示名单各版本", responses=StandingListSerializer(many=True)
    )
    @action(detail=True, methods=["get"], url_path="versions")
    def versions(self, request, pk=None):
        require_read(request.user)
        village = selectors.standing_village_get_for_user(user=request.user, pk=pk)
        page = self.paginate_queryset(selectors.standing_lists_for_village(village=village))
        return self.get_paginated_response(StandingListSerializer(page, many=True).data)

    @extend_schema(
        summary="按当前在册对象重新生成长期公示名单（后台任务，立即返回）",
        description=(
            "排队生成新版本并立即返回 202；同一村(社区)同一日期已有排队或进行中的任务时返回该任务"
            "（created 为 false），不重复生成。生成完成后新版本出现在 versions 中；名单无变化时"
            "不另存新版本。"
        ),
        request=None,
        responses={202: StandingJobSerializer},
    )
    @action(detail=True, methods=["post"])
    def generate(self, request, pk=None):
        village = selectors.standing_village_get_for_user(user=request.user, pk=pk)
        started = services.standing_list_request(
            village=village, actor=request.user, task=generate_standing_list
        )
        body = StandingJobSerializer(
            {
                "job": started.job.pk,
                "status": started.job.status,
                "created": started.created,
                "message": started.message,
                "village": village.pk,
                "as_of": started.job.params["on"],
            }
        )
        return Response(body.data, status=status.HTTP_202_ACCEPTED)


class StandingListViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = StandingListDetailSerializer

    def get_queryset(self):
        return StandingList.objects.none()  # reads go through the scoped selector

    @extend_schema(summary="一版长期公示名单（脱敏名单行）")
    def retrieve(self, request, pk=None):
        require_read(request.user)
        version = selectors.standing_list_get_for_user(user=request.user, pk=pk)
        return Response(StandingListDetailSerializer(version).data)


def register(router) -> None:
    router.register("publicity/villages", StandingVillageViewSet, basename="standing-village")
    router.register("publicity/standing-lists", StandingListViewSet, basename="standing-list")
