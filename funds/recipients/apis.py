"""Register API under /api/: recipients (filtered list, totals, detail with the signed
history), their bank account (masked; set; logged reveal). Same selectors, services and
scoping as the pages: another region's recipient is a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from cases.intake.serializers import MaskedIdNumberField, MaskedStepField
from cases.models import Member
from funds.recipients import adjustments
from funds.recipients.filters import RecipientFilter
from funds.recipients.models import (
    AccountKind,
    Bank,
    BankAccount,
    Recipient,
    RecipientChange,
    StandardAdjustmentLine,
    StandardAdjustmentRun,
)
from funds.recipients.selectors import (
    adjustment_run_get_for_user,
    adjustment_runs_for_user,
    recipient_changes,
    recipient_get_for_user,
    recipient_page_list_for_user,
    recipient_totals,
)
from funds.recipients.services import bank_account_reveal, bank_account_set
from funds.standards.models import Area
from relief.models import AssistanceType, Role
from relief.personal_data import reveal_where


class BankAccountSerializer(serializers.ModelSerializer):
    account_masked = serializers.CharField(source="masked", read_only=True)
    bank_label = serializers.CharField(source="get_bank_display", read_only=True)

    class Meta:
        model = BankAccount
        fields = [
            "id",
            "holder_name",
            "holder_member",
            "agent_reason",
            "bank",
            "bank_label",
            "kind",
            "account_masked",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class RecipientChangeSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    covered_member_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = RecipientChange
        fields = [
            "id",
            "kind",
            "kind_label",
            "effective_month",
            "status",
            "status_label",
            "monthly_amount",
            "covered_member_ids",
            "reason",
            "source_label",
            "previous_status",
            "previous_amount",
            "adjustment_run",
            "actor",
            "actor_name",
            "actor_role",
            "created_at",
        ]
        read_only_fields = fields


class RecipientListSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    assistance_type_name = serializers.CharField(source="assistance_type.name", read_only=True)
    township_name = serializers.CharField(source="township.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    account_masked = serializers.SerializerMethodField()
    head_id_number = MaskedIdNumberField(read_only=True, help_text="户主(申请人)身份证号（脱敏）")

    class Meta:
        model = Recipient
        fields = [
            "id",
            "case",
            "household",
            "assistance_type",
            "assistance_type_name",
            "township",
            "township_name",
            "village",
            "village_name",
            "status",
            "status_label",
            "monthly_amount",
            "covered_count",
            "first_month",
            "head_name",
            "head_id_number",
            "standard_label",
            "account_masked",
            "updated_at",
        ]
        read_only_fields = fields

    def get_account_masked(self, recipient) -> str | None:
        return recipient.bank_account.masked() if recipient.bank_account else None


class RecipientDetailSerializer(RecipientListSerializer):
    bank_account = BankAccountSerializer(read_only=True)
    changes = serializers.SerializerMethodField()

    class Meta(RecipientListSerializer.Meta):
        fields = [*RecipientListSerializer.Meta.fields, "computation", "bank_account", "changes"]
        read_only_fields = fields

    @extend_schema_field(RecipientChangeSerializer(many=True))
    def get_changes(self, recipient) -> list[dict]:
        return RecipientChangeSerializer(recipient_changes(recipient=recipient), many=True).data


class StatusCountSerializer(serializers.Serializer):
    status = serializers.CharField()
    count = serializers.IntegerField()


class TotalsSerializer(serializers.Serializer):
    households = serializers.IntegerField()
    persons = serializers.IntegerField()
    monthly_total = serializers.DecimalField(max_digits=16, decimal_places=2)
    without_account = serializers.IntegerField()
    by_status = StatusCountSerializer(many=True)


class BankAccountInputSerializer(serializers.Serializer):
    holder_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    holder_member = serializers.IntegerField(required=False, allow_null=True)
    agent_reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bank = serializers.ChoiceField(choices=Bank.choices)
    kind = serializers.ChoiceField(choices=AccountKind.choices, default=AccountKind.CARD)
    account_number = serializers.CharField(max_length=40)


class RevealInputSerializer(serializers.Serializer):
    purpose = serializers.CharField(max_length=200, allow_blank=True)


class RevealOutputSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_number = serializers.CharField()


@extend_schema_view(
    list=extend_schema(summary="在册对象列表（本辖区，可筛选）"),
    retrieve=extend_schema(summary="在册对象详情（含签署的变更记录，账号脱敏）"),
)
class RecipientViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = RecipientFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return recipient_page_list_for_user(user=self.request.user, request=self.request).queryset

    def get_serializer_class(self):
        return RecipientDetailSerializer if self.action == "retrieve" else RecipientListSerializer

    @extend_schema(summary="户数、人数与月发放合计（按筛选条件）", responses=TotalsSerializer)
    @action(detail=False, methods=["get"])
    def totals(self, request):
        qs = self.filter_queryset(self.get_queryset())
        totals = recipient_totals(qs)
        totals["by_status"] = [
            {"status": value, "count": n} for value, _label, n in totals["by_status"]
        ]
        return Response(TotalsSerializer(totals).data)

    @extend_schema(summary="变更记录（最新在前）", responses=RecipientChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def changes(self, request, pk=None):
        recipient = recipient_get_for_user(user=request.user, pk=pk)
        return Response(
            RecipientChangeSerializer(recipient_changes(recipient=recipient), many=True).data
        )

    @extend_schema(
        summary="登记发放账户（原账户停用）",
        request=BankAccountInputSerializer,
        responses={201: BankAccountSerializer},
    )
    @action(detail=True, methods=["post"])
    def account(self, request, pk=None):
        recipient = recipient_get_for_user(user=request.user, pk=pk)
        data = BankAccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        member = None
        if values.get("holder_member"):
            member = Member.objects.filter(
                pk=values["holder_member"], household_id=recipient.household_id
            ).first()
            if member is None:
                raise ValidationError({"holder_member": "户名对应成员须为本家庭成员"})
        account = bank_account_set(
            household=recipient.household,
            actor=request.user,
            holder_name=values.get("holder_name") or (member.name if member else ""),
            holder_member=member,
            agent_reason=values.get("agent_reason", ""),
            bank=values["bank"],
            kind=values["kind"],
            account_number=values["account_number"],
        )
        return Response(BankAccountSerializer(account).data, status=201)

    @extend_schema(
        summary="查看完整账号（记录查看人、时间、地址和用途）",
        request=RevealInputSerializer,
        responses=RevealOutputSerializer,
    )
    @action(detail=True, methods=["post"], url_path="account/reveal")
    def reveal(self, request, pk=None):
        recipient = recipient_get_for_user(user=request.user, pk=pk)
        if recipient.bank_account is None:
            raise ValidationError({"account": "尚未登记发放账户"})
        data = RevealInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        number = bank_account_reveal(
            account=recipient.bank_account,
            actor=request.user,
            purpose=data.validated_data["purpose"],
            **reveal_where(request),
        )
        response = Response({"account": recipient.bank_account_id, "account_number": number})
        response["Cache-Control"] = "no-store"
        return response


class AdjustmentRunSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    assistance_type_name = serializers.CharField(source="assistance_type.name", read_only=True)

    class Meta:
        model = StandardAdjustmentRun
        fields = [
            "id",
            "county",
            "assistance_type",
            "assistance_type_name",
            "area",
            "effective_month",
            "standard_label",
            "status",
            "status_label",
            "households",
            "changed_households",
            "old_total",
            "new_total",
            "created_by",
            "created_at",
            "applied_by",
            "applied_at",
        ]
        read_only_fields = fields


class AdjustmentLineSerializer(serializers.ModelSerializer):
    head_name = serializers.CharField(source="recipient.head_name", read_only=True)
    steps = serializers.ListField(child=MaskedStepField(), read_only=True)
    covered_member_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = StandardAdjustmentLine
        fields = [
            "id",
            "recipient",
            "head_name",
            "effective_month",
            "status",
            "covered_member_ids",
            "old_amount",
            "new_amount",
            "eligible",
            "steps",
        ]
        read_only_fields = fields


class AdjustmentPreviewInputSerializer(serializers.Serializer):
    assistance_type = serializers.PrimaryKeyRelatedField(
        queryset=AssistanceType.objects.filter(active=True)
    )
    area = serializers.ChoiceField(choices=Area.choices)
    effective_month = serializers.DateField()


@extend_schema_view(
    list=extend_schema(summary="调标批次（本县）"),
    retrieve=extend_schema(summary="调标批次详情（户数、原/新月发放合计）"),
)
class StandardAdjustmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AdjustmentRunSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return adjustment_runs_for_user(user=self.request.user)

    @extend_schema(
        summary="预览调标（不改变在册数据）",
        request=AdjustmentPreviewInputSerializer,
        responses={201: AdjustmentRunSerializer},
    )
    def create(self, request):
        data = AdjustmentPreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not request.user.has_role(Role.COUNTY_SUPERVISOR):
            raise PermissionDenied("调标由县民政局监管人员办理")
        run = adjustments.standard_adjustment_preview(
            county=request.user.region, actor=request.user, **data.validated_data
        )
        return Response(AdjustmentRunSerializer(run).data, status=201)

    @extend_schema(summary="调标明细", responses=AdjustmentLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def lines(self, request, pk=None):
        run = adjustment_run_get_for_user(user=request.user, pk=pk)
        lines = run.lines.select_related("recipient").order_by("pk")
        page = self.paginate_queryset(lines)
        if page is not None:
            return self.get_paginated_response(AdjustmentLineSerializer(page, many=True).data)
        return Response(AdjustmentLineSerializer(lines, many=True).data)

    @extend_schema(
        summary="执行调标（逐户生成签署的变更记录）",
        request=None,
        responses=AdjustmentRunSerializer,
    )
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        run = adjustment_run_get_for_user(user=request.user, pk=pk)
        adjustments.standard_adjustment_apply(run=run, actor=request.user)
        run.refresh_from_db()
        return Response(AdjustmentRunSerializer(run).data)


def register(router) -> None:
    router.register("recipients", RecipientViewSet, basename="recipient")
    router.register(
        "standard-adjustments", StandardAdjustmentViewSet, basename="standard-adjustment"
    )
