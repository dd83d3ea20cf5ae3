"""动态管理 API under /api/: the due list (schedules with their marks), reviews (list,
detail, open one for a change of circumstance, record the conclusion and decide), the
household timeline, campaigns (list, preview count, open). Same selectors, services and
scoping as the pages: another region's recipient, township or review is a 404."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from cases.models import Member
from cases.workflow.selectors import case_detail_for_user
from cases.workflow.services import client_address_of
from funds.dynamic.dishonesty import RECORD_ROLES, SHOWN_TO_ROLES, dishonesty_record
from funds.dynamic.models import DishonestyRecord, ReviewCampaign, TerminationPosting
from funds.dynamic.objections import (
    HANDLE_REFUSED as OBJECTION_HANDLE_REFUSED,
)
from funds.dynamic.objections import (
    HANDLE_ROLES as OBJECTION_HANDLE_ROLES,
)
from funds.dynamic.objections import (
    RECORD_REFUSED as OBJECTION_RECORD_REFUSED,
)
from funds.dynamic.objections import (
    RECORD_ROLES as OBJECTION_RECORD_ROLES,
)
from funds.dynamic.objections import (
    objection_handle_refusal,
    posting_objection_handle,
    posting_objection_record,
)
from funds.dynamic.selectors import (
    DueFilters,
    campaign_recipients_for_user,
    campaigns_for_user,
    due_filters_for_user,
    household_timeline,
    open_reviews_for_user,
    posting_objection_get_for_user,
    posting_objections_for_user,
    review_get_for_user,
    reviews_for_user,
    schedule_rows,
    scheduled_reviews_for_user,
)
from funds.dynamic.serializers import (
    CampaignFilterInputSerializer,
    CampaignInputSerializer,
    CampaignPreviewSerializer,
    DishonestyInputSerializer,
    DishonestyRecordSerializer,
    DueScheduleSerializer,
    PostingObjectionHandleSerializer,
    PostingObjectionInputSerializer,
    PostingObjectionSerializer,
    ReviewCampaignSerializer,
    ReviewCaseSerializer,
    ReviewConcludeInputSerializer,
    ReviewConcludeOutputSerializer,
    ReviewOpenInputSerializer,
    TimelineEntrySerializer,
)
from funds.dynamic.services import review_campaign_open, review_conclude, review_open
from funds.recipients.models import Recipient
from funds.recipients.selectors import recipient_get_for_user
from relief.models import AssistanceType, Region, Role
from relief.parsing import as_pk
from relief.scoping import scope_by_region

DUE_PARAMETERS = [
    OpenApiParameter("township", OpenApiTypes.INT, description="乡镇(街道)；辖区外为404"),
    OpenApiParameter("village", OpenApiTypes.INT, description="村(社区)；辖区外为404"),
    OpenApiParameter("assistance_type", OpenApiTypes.INT, description="救助类型"),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="只看已超期"),
    OpenApiParameter("q", OpenApiTypes.STR, description="户主姓名/身份证号"),
]
DUE_ROLES = (
    Role.VILLAGE_ASSISTANT,
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
)
CAMPAIGN_ROLES = (Role.TOWNSHIP_CLERK, Role.COUNTY_SUPERVISOR)


def _require(user, roles, message: str) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(message)


@extend_schema_view(
    list=extend_schema(
        summary="计划复核名单（本辖区，尚未启动复核；含临期、超期标记）",
        parameters=DUE_PARAMETERS,
    )
)
class DueScheduleViewSet(viewsets.GenericViewSet):
    serializer_class = DueScheduleSerializer

    def get_queryset(self):
        filters = due_filters_for_user(user=self.request.user, params=self.request.query_params)
        return scheduled_reviews_for_user(user=self.request.user, filters=filters)

    def list(self, request):
        _require(request.user, DUE_ROLES, "您的角色不能查看复核名单")
        page = self.paginate_queryset(self.get_queryset())
        rows = schedule_rows(page if page is not None else [], user=request.user)
        return self.get_paginated_response(DueScheduleSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="复核案件（本辖区；open=1 只看进行中，按截止日）",
        parameters=[
            OpenApiParameter("open", OpenApiTypes.BOOL, description="只看进行中的复核"),
            *DUE_PARAMETERS,
        ],
    ),
    retrieve=extend_schema(summary="复核案件详情"),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewCaseSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        user = self.request.user
        if self.action == "list" and self.request.query_params.get("open") in ("1", "true"):
            filters = due_filters_for_user(user=user, params=self.request.query_params)
            return open_reviews_for_user(user=user, filters=filters)
        return reviews_for_user(user=user)

    @extend_schema(
        summary="报告情况变化，启动复核（死亡日期不能晚于今天；死亡后3个月内复核）",
        request=ReviewOpenInputSerializer,
        responses={201: ReviewCaseSerializer},
    )
    def create(self, request):
        data = ReviewOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        recipient = recipient_get_for_user(user=request.user, pk=values["recipient"])
        member = None
        if values["member"] is not None:
            member = Member.objects.filter(
                pk=values["member"], household_id=recipient.household_id
            ).first()
            if member is None:
                raise ValidationError({"member": "去世成员须为本家庭成员"})
        review = review_open(
            recipient=recipient,
            actor=request.user,
            trigger=values["trigger"],
            note=values["note"],
            died_on=values["died_on"],
            member=member,
        )
        review = review_get_for_user(user=request.user, pk=review.pk)
        return Response(ReviewCaseSerializer(review).data, status=201)

    @extend_schema(
        summary="填写复核结论；then=decide 作出决定（乡镇有权时审核确认，否则县级审批），"
        "then=refer 报县审批",
        request=ReviewConcludeInputSerializer,
        responses=ReviewConcludeOutputSerializer,
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        review = review_get_for_user(user=request.user, pk=pk)
        data = ReviewConcludeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = review_conclude(
            review=review,
            actor=request.user,
            outcome=values["outcome"],
            reasons=values["reasons"],
            effective_month=values.get("effective_month"),
            new_amount=values.get("new_amount"),
            phase_out_months=values.get("phase_out_months"),
            dishonesty_note=values["dishonesty_note"],
            recovery_amount=values.get("recovery_amount"),
            recovery_from=values.get("recovery_from"),
            recovery_to=values.get("recovery_to"),
            then=values["then"],
            opinion=values["opinion"],
            client_address=client_address_of(request),
        )
        fresh = review_get_for_user(user=request.user, pk=review.pk)
        return Response(
            {
                "review": ReviewCaseSerializer(fresh).data,
                "event": result.event.pk if result.event is not None else None,
                "moved_from": result.moved_from.isoformat() if result.moved_from else None,
            }
        )


@extend_schema_view(
    retrieve=extend_schema(
        summary="家庭档案时间线（申请、确认、每次复核、每次变更、每月发放，按日期）",
        responses=TimelineEntrySerializer(many=True),
    )
)
class TimelineViewSet(viewsets.GenericViewSet):
    serializer_class = TimelineEntrySerializer
    queryset = Recipient.objects.none()  # the schema's path parameter; reads are scoped below
    lookup_value_regex = r"\d+"
    pagination_class = None

    def retrieve(self, request, pk=None):
        recipient = recipient_get_for_user(user=request.user, pk=pk)
        entries = household_timeline(recipient=recipient)
        return Response(TimelineEntrySerializer(entries, many=True).data)


def _campaign_filters(request, values) -> DueFilters:
    params = {k: v for k, v in values.items() if k in ("township", "village") and v is not None}
    filters = due_filters_for_user(user=request.user, params=params)
    type_id = values.get("assistance_type")
    if type_id is not None:
        kind = AssistanceType.objects.filter(pk=type_id).first()
        if kind is None:
            raise Http404("救助类型不存在")
        filters = DueFilters(
            township=filters.township, village=filters.village, assistance_type=kind
        )
    return filters


@extend_schema_view(
    list=extend_schema(summary="集中复核（本县）"),
)
class ReviewCampaignViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewCampaignSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReviewCampaign.objects.none()
        return campaigns_for_user(user=self.request.user)

    def _chosen(self, request, values):
        _require(request.user, CAMPAIGN_ROLES, "只有乡镇经办人或县级监管人员可以开展集中复核")
        filters = _campaign_filters(request, values)
        return campaign_recipients_for_user(
            user=request.user,
            township=filters.township,
            village=filters.village,
            assistance_type=filters.assistance_type,
        )

    @extend_schema(
        summary="预览集中复核户数（不生成案件）",
        request=CampaignFilterInputSerializer,
        responses=CampaignPreviewSerializer,
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        data = CampaignFilterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response({"count": self._chosen(request, data.validated_data).count()})

    @extend_schema(
        summary="开展集中复核（按条件批量生成复核案件）",
        request=CampaignInputSerializer,
        responses={201: ReviewCampaignSerializer},
    )
    def create(self, request):
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        chosen = self._chosen(request, values)
        region = request.user.region
        county = region if region.level == Region.Level.COUNTY else region.parent
        campaign = review_campaign_open(
            county=county,
            recipients=chosen,
            actor=request.user,
            name=values["name"],
            due_on=values["due_on"],
            on=timezone.localdate(),
        )
        return Response(ReviewCampaignSerializer(campaign).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="失信记录（本辖区：乡镇看本乡镇，县看全县）",
        parameters=[
            OpenApiParameter("recipient", OpenApiTypes.INT, description="在册对象"),
            OpenApiParameter("live", OpenApiTypes.BOOL, description="只看未过有效期的"),
        ],
    ),
    retrieve=extend_schema(summary="失信记录详情"),
)
class DishonestyRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = DishonestyRecordSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = scope_by_region(
            DishonestyRecord.objects.select_related("recipient").prefetch_related("people"),
            self.request.user,
            township_field="recipient__township",
            village_field="recipient__village",
        ).order_by("-found_on", "-pk")
        if self.action == "list":
            params = self.request.query_params
            recipient = params.get("recipient")
            if recipient:
                recipient_id = as_pk(recipient)  # None: letters, ², or past the key's range
                if recipient_id is None:
                    raise ValidationError({"recipient": "在册对象须为编号"})
                qs = qs.filter(recipient_id=recipient_id)
            if params.get("live") in ("1", "true"):
                qs = qs.filter(expires_on__gte=timezone.localdate())
        return qs

    def list(self, request, *args, **kwargs):
        _require(request.user, SHOWN_TO_ROLES, "您的角色不能查看失信记录")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        record = self.get_object()  # another region's record: 404 before the role check
        _require(request.user, SHOWN_TO_ROLES, "您的角色不能查看失信记录")
        return Response(DishonestyRecordSerializer(record).data)

    @extend_schema(
        summary="记录入户抽查或举报查实的虚假信息（乡镇审核确认人或县级监管人员；"
        "追缴金额交下一期花名册）",
        request=DishonestyInputSerializer,
        responses={201: DishonestyRecordSerializer},
    )
    def create(self, request):
        _require(request.user, RECORD_ROLES, "只有乡镇审核确认人或县级监管人员可以记录失信情况")
        data = DishonestyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        recipient = recipient_get_for_user(user=request.user, pk=values["recipient"])
        record = dishonesty_record(  # the page's service: its checks, its transaction
            recipient=recipient,
            actor=request.user,
            source=values["source"],
            reference=values["reference"],
            what=values["what"],
            found_on=values["found_on"],
            recovery_amount=values["recovery_amount"],
            recovery_from=values["recovery_from"],
            recovery_to=values["recovery_to"],
        )
        record = self.get_queryset().get(pk=record.pk)
        return Response(DishonestyRecordSerializer(record).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="特困终止公示异议（本辖区）",
        parameters=[OpenApiParameter("review", OpenApiTypes.INT, description="复核")],
    ),
    retrieve=extend_schema(summary="特困终止公示异议详情"),
)
class PostingObjectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = PostingObjectionSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = posting_objections_for_user(user=self.request.user)
        if self.action == "list":
            review = self.request.query_params.get("review")
            if review:
                review_id = as_pk(review)
                if review_id is None:
                    raise ValidationError({"review": "复核须为编号"})
                qs = qs.filter(posting__review_id=review_id)
        return qs

    @extend_schema(
        summary="登记特困终止公示异议（公示期内；乡镇经办人或村(居)协理员）；"
        "未处理的异议使终止暂缓生效，公示期满后不再受理",
        request=PostingObjectionInputSerializer,
        responses={201: PostingObjectionSerializer},
    )
    def create(self, request):
        data = PostingObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = review_get_for_user(user=request.user, pk=values["review"])
        posting = TerminationPosting.objects.filter(review=review).first()
        if posting is None:
            raise Http404("本次复核没有特困终止公示")
        _require(request.user, OBJECTION_RECORD_ROLES, OBJECTION_RECORD_REFUSED)
        objection = posting_objection_record(
            posting=posting,
            actor=request.user,
            text=values["text"],
            raised_by=values["raised_by"],
            contact=values["contact"],
            anonymous=values["anonymous"],
            client_address=client_address_of(request),
        )
        objection = posting_objection_get_for_user(user=request.user, pk=objection.pk)
        return Response(PostingObjectionSerializer(objection).data, status=201)

    @extend_schema(
        summary="处理公示异议：upheld 异议成立，撤回终止；dismissed 异议不成立，"
        "终止在下一次每日处理中生效（与复核决定同级：本乡镇当日持有该救助类型审核确认权的，"
        "由乡镇审核确认人处理，否则由县级监管人员处理）",
        request=PostingObjectionHandleSerializer,
        responses=PostingObjectionSerializer,
    )
    @action(detail=True, methods=["post"])
    def handle(self, request, pk=None):
        objection = posting_objection_get_for_user(user=request.user, pk=pk)
        _require(request.user, OBJECTION_HANDLE_ROLES, OBJECTION_HANDLE_REFUSED)
        # The level that decides the review today (the service asks the same).
        case = case_detail_for_user(user=request.user, pk=objection.posting.review.case_id)
        refusal = objection_handle_refusal(case, request.user)
        if refusal:
            raise PermissionDenied(refusal)
        data = PostingObjectionHandleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        posting_objection_handle(
            objection=objection,
            actor=request.user,
            outcome=data.validated_data["outcome"],
            feedback=data.validated_data["feedback"],
            client_address=client_address_of(request),
        )
        fresh = posting_objection_get_for_user(user=request.user, pk=objection.pk)
        return Response(PostingObjectionSerializer(fresh).data)


def register(router) -> None:
    router.register("dynamic/due", DueScheduleViewSet, basename="dynamic-due")
    router.register("dynamic/reviews", ReviewViewSet, basename="dynamic-review")
    router.register("dynamic/timelines", TimelineViewSet, basename="dynamic-timeline")
    router.register("dynamic/campaigns", ReviewCampaignViewSet, basename="dynamic-campaign")
    router.register("dynamic/dishonesty", DishonestyRecordViewSet, basename="dynamic-dishonesty")
    router.register(
        "dynamic/posting-objections",
        PostingObjectionViewSet,
        basename="dynamic-posting-objection",
    )
