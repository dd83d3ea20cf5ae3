"""API of the county supervision app: filings, spot-check campaigns, rectification orders,
complaints. Same selectors (scoping → 404) and services (rules) as the pages."""

from __future__ import annotations

import datetime

from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from cases.models import Case
from cases.workflow.selectors import case_list_for_user
from relief.models import Region
from relief.paging import NewestFirstCursorPagination
from relief.parsing import as_pk
from relief.scoping import townships_for_user
from review import selectors, services
from review.models import (
    Complaint,
    Filing,
    ProblemKind,
    RectificationOrder,
    RectificationResponse,
    SpotCheckCampaign,
    SpotCheckItem,
)


def _require_supervisor(user):
    if not services.is_supervisor(user):
        raise PermissionDenied("此操作须由县民政局监管人员办理")


# --- filings ------------------------------------------------------------------------------
class FilingSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    assistance_type_name = serializers.CharField(source="assistance_type.name", read_only=True)

    class Meta:
        model = Filing
        fields = [
            "id",
            "case",
            "case_number",
            "kind",
            "township",
            "township_name",
            "assistance_type",
            "assistance_type_name",
            "decided_on",
            "household_size",
            "monthly_amount",
            "route",
            "near_relative_flag",
            "complaint_flag",
            "snapshot",
            "filed_at",
            "status",
            "acknowledged_by",
            "acknowledged_at",
        ]
        read_only_fields = fields


class QueryOpenSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=200)
    body = serializers.CharField()


class FilingCursorPagination(NewestFirstCursorPagination):
    """The filings newest first by cursor (``?cursor=…``) on the inbox's index order
    (filed_at DESC, id DESC), as the case list API; ``?page=`` by offset."""

    ordering = selectors.INBOX_ORDER


def _date_or_none(value: str) -> datetime.date | None:
    try:
        return parse_date(value)
    except ValueError:  # well formed but no such day (2026-02-30)
        return None


class FilingViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = FilingSerializer
    #: newest first by cursor, count capped at 10,000 (``?page=`` or ``ordering`` by offset)
    pagination_class = FilingCursorPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Filing.objects.none()
        _require_supervisor(self.request.user)
        p = self.request.query_params
        filters: dict = {
            k: p.get(k) for k in ("category", "kind", "status", "date_from", "date_to") if p.get(k)
        }
        for name in ("date_from", "date_to"):
            if name in filters:
                day = _date_or_none(filters[name])
                if day is None:
                    raise serializers.ValidationError({name: "请填写有效日期（如 2026-07-01）"})
                filters[name] = day
        if p.get("township"):
            # Not a key (a list, letters, 40 digits): no township has it, nothing is listed.
            filters["township"] = as_pk(p.get("township")) or 0
        for flag in ("near_relative", "complaint", "overdue"):
            if p.get(flag) in ("1", "true"):
                filters[flag] = True
        return selectors.filing_list_for_user(user=self.request.user, filters=filters)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        filing = services.filing_acknowledge(filing=self.get_object(), actor=request.user)
        return Response(FilingSerializer(filing).data)

    @action(detail=True, methods=["post"], serializer_class=QueryOpenSerializer)
    def query(self, request, pk=None):
        filing = self.get_object()  # another township's filing: 404 before the body's 400
        data = QueryOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        query = services.query_open(filing=filing, actor=request.user, **data.validated_data)
        return Response({"id": query.pk, "status": query.status}, status=status.HTTP_201_CREATED)


# --- spot checks ----------------------------------------------------------------------------
class SpotCheckItemSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)

    class Meta:
        model = SpotCheckItem
        fields = [
            "id",
            "case",
            "case_number",
            "township",
            "township_name",
            "category",
            "reason",
            "assignee",
            "visit_date",
            "people_met",
            "findings",
            "outcome",
            "problem_kind",
            "recorded_at",
        ]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    items = SpotCheckItemSerializer(many=True, read_only=True)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**63 - 1)

    class Meta:
        model = SpotCheckCampaign
        fields = [
            "id",
            "name",
            "period_start",
            "period_end",
            "seed",
            "frame",
            "created_at",
            "items",
        ]
        read_only_fields = ["id", "frame", "created_at", "items"]


class CampaignVerifySerializer(serializers.Serializer):
    seed = serializers.IntegerField()
    reproduced = serializers.BooleanField()
    sample = serializers.ListField(child=serializers.JSONField())


class CampaignViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = CampaignSerializer

    def get_queryset(self):
        qs = selectors.campaign_list_for_user(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("items__case", "items__township")
        return qs

    def create(self, request, *args, **kwargs):
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        campaign = services.spot_check_campaign_create(
            actor=request.user,
            name=d["name"],
            period_start=d["period_start"],
            period_end=d["period_end"],
            seed=d.get("seed"),
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CampaignVerifySerializer)
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        """Re-draw from the stored seed and frame and compare with the stored sample."""
        campaign = self.get_object()
        return Response(
            {
                "seed": campaign.seed,
                "reproduced": services.spot_check_verify(campaign),
                "sample": sorted(services.spot_check_redraw(campaign)),
            }
        )


# --- rectification --------------------------------------------------------------------------
class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = RectificationResponse
        fields = [
            "id",
            "author",
            "body",
            "evidence_content_type",
            "created_at",
            "decision",
            "review_comment",
            "reviewed_by",
            "reviewed_at",
        ]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    responses = ResponseSerializer(many=True, read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    due_workdays = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=90
    )
    problem_kind = serializers.ChoiceField(choices=ProblemKind.choices)
    township = serializers.PrimaryKeyRelatedField(queryset=Region.objects.none())
    case = serializers.PrimaryKeyRelatedField(
        queryset=Case.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = RectificationOrder
        fields = [
            "id",
            "township",
            "township_name",
            "case",
            "spot_check_item",
            "complaint",
            "problem_kind",
            "description",
            "due_date",
            "due_workdays",
            "status",
            "overdue",
            "issued_by",
            "issued_at",
            "closed_by",
            "closed_at",
            "responses",
        ]
        read_only_fields = [
            "id",
            "due_date",
            "status",
            "overdue",
            "issued_by",
            "issued_at",
            "closed_by",
            "closed_at",
            "responses",
            "spot_check_item",
            "complaint",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["township"].queryset = townships_for_user(request.user)
            self.fields["case"].queryset = case_list_for_user(user=request.user)


class RespondSerializer(serializers.Serializer):
    body = serializers.CharField()
    evidence = serializers.FileField(required=False)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True)
    due_workdays = serializers.IntegerField(required=False, min_value=1, max_value=90)


class RectificationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = RectificationSerializer

    def get_queryset(self):
        user = self.request.user
        if not (services.is_county_staff(user) or services.is_township_user(user)):
            return RectificationOrder.objects.none()
        return selectors.rectification_list_for_user(user=user).prefetch_related("responses")

    def create(self, request, *args, **kwargs):
        serializer = RectificationSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        case = d.get("case")
        order = services.rectification_issue(
            actor=request.user,
            township=d["township"],
            problem_kind=d["problem_kind"],
            description=d["description"],
            case=case,
            due_workdays=d.get("due_workdays"),
        )
        return Response(RectificationSerializer(order).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=RespondSerializer)
    def respond(self, request, pk=None):
        order = self.get_object()  # another township's order: 404 before the body's 400
        data = RespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.rectification_respond(
            order=order,
            actor=request.user,
            body=data.validated_data["body"],
            evidence=data.validated_data.get("evidence"),
        )
        order.refresh_from_db()
        return Response(RectificationSerializer(order).data)

    @action(detail=True, methods=["post"], serializer_class=ReviewSerializer)
    def review(self, request, pk=None):
        order = self.get_object()  # another township's order: 404 before the body's 400
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.rectification_review(
            order=order,
            actor=request.user,
            **data.validated_data,
        )
        return Response(RectificationSerializer(order).data)


# --- complaints -------------------------------------------------------------------------------
class ComplaintSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(write_only=True, required=False, allow_blank=True)
    township = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "channel",
            "named",
            "reporter_name",
            "reporter_phone",
            "subject_name",
            "case",
            "case_number",
            "township",
            "content",
            "received_on",
            "assignee",
            "status",
            "result",
            "result_text",
            "problem_kind",
            "feedback_text",
            "feedback_on",
            "closed_at",
        ]
        read_only_fields = [
            "id",
            "number",
            "case",
            "assignee",
            "status",
            "result",
            "result_text",
            "problem_kind",
            "feedback_text",
            "feedback_on",
            "closed_at",
        ]
        # A report without the flag is anonymous: the service needs the flag either way.
        extra_kwargs = {"named": {"default": False}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["township"].queryset = townships_for_user(request.user)


class FeedbackSerializer(serializers.Serializer):
    feedback_text = serializers.CharField()
    feedback_on = serializers.DateField()


class ComplaintViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ComplaintSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        _require_supervisor(self.request.user)
        return selectors.complaint_list_for_user(user=self.request.user)

    def create(self, request, *args, **kwargs):
        _require_supervisor(request.user)
        serializer = ComplaintSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        d = dict(serializer.validated_data)
        number = d.pop("case_number", "")
        case = None
        if number:
            case = case_list_for_user(user=request.user).filter(number=number).first()
            if case is None:
                raise ValidationError({"case_number": "未找到该案件编号"})
        complaint = services.complaint_register(actor=request.user, case=case, **d)
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], serializer_class=FeedbackSerializer)
    def feedback(self, request, pk=None):
        complaint = self.get_object()  # another township's complaint: 404 before the 400
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = services.complaint_record_feedback(
            complaint=complaint,
            actor=request.user,
            **data.validated_data,
        )
        return Response(ComplaintSerializer(complaint).data)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        complaint = services.complaint_close(complaint=self.get_object(), actor=request.user)
        return Response(ComplaintSerializer(complaint).data)


def register(router) -> None:
    router.register("review/filings", FilingViewSet, basename="review-filing")
    router.register("review/campaigns", CampaignViewSet, basename="review-campaign")
    router.register("review/rectifications", RectificationViewSet, basename="review-rectification")
    router.register("review/complaints", ComplaintViewSet, basename="review-complaint")
