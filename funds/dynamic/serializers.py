"""Typed serializers of the 动态管理 API (funds/dynamic/apis.py)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.intake.serializers import MaskedIdNumberField
from cases.notices.services import OBJECTION_MAX_CHARS
from funds.dynamic.forms import MonthField as FormMonthField
from funds.dynamic.models import (
    DishonestyPerson,
    DishonestyRecord,
    FindingSource,
    PostingObjection,
    PostingObjectionStatus,
    ReviewCampaign,
    ReviewCase,
    ReviewOutcome,
)
from funds.dynamic.selectors import CIRCUMSTANCES


class DueScheduleSerializer(serializers.Serializer):
    """A schedule of the due list (``selectors.DueRow`` of a schedule)."""

    recipient = serializers.IntegerField(source="recipient.pk")
    head_name = serializers.CharField(source="recipient.head_name")
    township = serializers.IntegerField(source="recipient.township_id")
    village = serializers.IntegerField(source="recipient.village_id")
    village_name = serializers.CharField(source="recipient.village.name")
    assistance_type = serializers.IntegerField(source="recipient.assistance_type_id")
    assistance_type_name = serializers.CharField(source="recipient.assistance_type.name")
    interval_months = serializers.IntegerField(source="schedule.interval_months")
    basis = serializers.CharField(source="schedule.basis")
    due_on = serializers.DateField()
    workdays_left = serializers.IntegerField(help_text="距截止日的工作日数（已超期为负）")
    due_soon = serializers.BooleanField()
    overdue = serializers.BooleanField()


class ReviewCaseSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    case_state = serializers.CharField(source="case.state", read_only=True)
    case_state_label = serializers.CharField(source="case.get_state_display", read_only=True)
    head_name = serializers.CharField(source="recipient.head_name", read_only=True)
    village = serializers.IntegerField(source="recipient.village_id", read_only=True)
    trigger_label = serializers.CharField(source="get_trigger_display", read_only=True)
    outcome = serializers.CharField(
        read_only=True, help_text="复核结论：continue/amount/phase_out/suspend/stop，未填写为空"
    )
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    clock_due = serializers.SerializerMethodField()
    due_soon = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ReviewCase
        fields = [
            "id",
            "case",
            "case_number",
            "case_state",
            "case_state_label",
            "recipient",
            "head_name",
            "village",
            "trigger",
            "trigger_label",
            "trigger_note",
            "due_on",
            "campaign",
            "outcome",
            "outcome_label",
            "new_amount",
            "effective_month",
            "phase_out_months",
            "reasons",
            "dishonesty_note",
            "recovery_amount",
            "recovery_from",
            "recovery_to",
            "applied_at",
            "clock_due",
            "due_soon",
            "overdue",
        ]
        read_only_fields = fields

    def _clock(self, review):
        return getattr(review.case, "clock", None)

    def get_clock_due(self, review) -> str | None:
        clock = self._clock(review)
        return clock.overall_due.isoformat() if clock is not None else None

    def get_due_soon(self, review) -> bool:
        clock = self._clock(review)
        return bool(clock and clock.due_soon)

    def get_overdue(self, review) -> bool:
        clock = self._clock(review)
        return bool(clock and clock.overdue)


class ReviewOpenInputSerializer(serializers.Serializer):
    recipient = serializers.IntegerField()
    trigger = serializers.ChoiceField(choices=CIRCUMSTANCES, help_text="情况变化（复核原因）")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    died_on = serializers.DateField(required=False, allow_null=True, default=None)
    member = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="去世成员（成员死亡时）：自死亡次月起不再计入保障成员，唯一保障成员的自动停保",
    )


MONTH_HELP = "月份，YYYY-MM（如 2026-07）；为兼容也接受当月1日 YYYY-MM-01，其他日期不接受"
MONTH_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}(-01)?$",
    "example": "2026-07",
    "description": MONTH_HELP,
}


@extend_schema_field(MONTH_SCHEMA)
class MonthField(serializers.Field):
    """A month as the page's form takes it, ``YYYY-MM`` (parsed by the form's own
    ``funds.dynamic.forms.MonthField``), as the 1st of that month; ``YYYY-MM-01`` is still
    accepted (the API took dates before), another day is refused at the field. Written
    back as ``YYYY-MM``."""

    default_error_messages = {
        "invalid": "请填写有效月份（如 2026-07）",
        "day": "请填写月份（如 2026-07）；填写日期的须为当月1日",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._form_field = FormMonthField(required=False)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            day = self._form_field.parse_day(data.strip())
        except DjangoValidationError:
            self.fail("invalid")
        if day is None:
            if self.allow_null:
                return None
            self.fail("required")
        if day.day != 1:
            self.fail("day")
        return day

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class ReviewConcludeInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ReviewOutcome.choices)
    reasons = serializers.CharField(required=False, allow_blank=True, default="")
    new_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    effective_month = MonthField(
        required=False, allow_null=True, help_text=f"生效月份（自该月起）。{MONTH_HELP}"
    )
    phase_out_months = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    dishonesty_note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="查实的虚假信息（失信记录）"
    )
    recovery_amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, help_text="追缴金额"
    )
    recovery_from = MonthField(
        required=False, allow_null=True, help_text=f"追缴所涉起始月份。{MONTH_HELP}"
    )
    recovery_to = MonthField(
        required=False, allow_null=True, help_text=f"追缴所涉截止月份。{MONTH_HELP}"
    )
    then = serializers.ChoiceField(
        choices=[("", "仅保存结论"), ("decide", "作出决定"), ("refer", "报县审批")],
        required=False,
        default="",
        allow_blank=True,
    )
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewConcludeOutputSerializer(serializers.Serializer):
    review = ReviewCaseSerializer()
    event = serializers.IntegerField(allow_null=True, help_text="签署的办理记录（决定或报县）")
    moved_from = serializers.DateField(
        allow_null=True, help_text="所选月份花名册已锁定时原定的生效月份"
    )


class TimelineEntrySerializer(serializers.Serializer):
    day = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=[
            ("application", "申请"),
            ("confirmation", "审核确认"),
            ("review", "复核"),
            ("change", "在册变更"),
            ("paid", "花名册发放"),
        ]
    )
    title = serializers.CharField()
    detail = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)


class ReviewCampaignSerializer(serializers.ModelSerializer):
    created_by_name = serializers.CharField(source="created_by.__str__", read_only=True)

    class Meta:
        model = ReviewCampaign
        fields = ["id", "county", "name", "due_on", "opened", "created_by", "created_by_name"]
        read_only_fields = fields


class CampaignFilterInputSerializer(serializers.Serializer):
    township = serializers.IntegerField(required=False, allow_null=True)
    village = serializers.IntegerField(required=False, allow_null=True)
    assistance_type = serializers.IntegerField(required=False, allow_null=True)


class CampaignInputSerializer(CampaignFilterInputSerializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    due_on = serializers.DateField()


class CampaignPreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class DishonestyPersonSerializer(serializers.ModelSerializer):
    id_number = MaskedIdNumberField(read_only=True, help_text="身份证号（脱敏）")

    class Meta:
        model = DishonestyPerson
        fields = ["name", "id_number"]
        read_only_fields = fields


class DishonestyRecordSerializer(serializers.ModelSerializer):
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    head_name = serializers.CharField(source="recipient.head_name", read_only=True)
    township = serializers.IntegerField(source="recipient.township_id", read_only=True)
    people = DishonestyPersonSerializer(many=True, read_only=True)

    class Meta:
        model = DishonestyRecord
        fields = [
            "id",
            "recipient",
            "head_name",
            "township",
            "county",
            "source",
            "source_label",
            "review",
            "reference",
            "what",
            "found_on",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
            "recovery_amount",
            "recovery_order",
            "expires_on",
            "people",
        ]
        read_only_fields = fields


class DishonestyInputSerializer(serializers.Serializer):
    """The page's form (``forms.DishonestyForm``): a spot check's or complaint's finding."""

    recipient = serializers.IntegerField()
    # "source" is the field of the page and the model; it shadows Field.source for mypy only
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[
            (FindingSource.SPOT_CHECK.value, FindingSource.SPOT_CHECK.label),
            (FindingSource.COMPLAINT.value, FindingSource.COMPLAINT.label),
        ],
        error_messages={"invalid_choice": "请选择发现途径（入户抽查或举报投诉）"},
    )
    reference = serializers.CharField(
        max_length=200,
        error_messages={"blank": "请填写所依据的核查结论", "max_length": "不能超过200字"},
        help_text="抽查名称及户序号，或举报登记号",
    )
    what = serializers.CharField(error_messages={"blank": "请写明查实的虚假信息"})
    found_on = serializers.DateField(error_messages={"invalid": "请填写有效日期"})
    recovery_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "追缴金额须为数字", "max_decimal_places": "最多保留两位小数"},
    )
    recovery_from = MonthField(
        required=False, allow_null=True, default=None, help_text=f"追缴所涉起始月份。{MONTH_HELP}"
    )
    recovery_to = MonthField(
        required=False, allow_null=True, default=None, help_text=f"追缴所涉截止月份。{MONTH_HELP}"
    )


class PostingObjectionSerializer(serializers.ModelSerializer):
    review = serializers.IntegerField(source="posting.review_id", read_only=True)
    case = serializers.IntegerField(source="posting.review.case_id", read_only=True)
    posting_starts_on = serializers.DateField(source="posting.starts_on", read_only=True)
    posting_ends_on = serializers.DateField(source="posting.ends_on", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    handled_by_name = serializers.SerializerMethodField()

    class Meta:
        model = PostingObjection
        fields = [
            "id",
            "review",
            "case",
            "posting",
            "posting_starts_on",
            "posting_ends_on",
            "anonymous",
            "raised_by",
            "contact",
            "text",
            "status",
            "status_label",
            "recorded_by_name",
            "received_at",
            "feedback",
            "handled_by_name",
            "handled_at",
        ]
        read_only_fields = fields

    def get_handled_by_name(self, obj: PostingObjection) -> str:
        return str(obj.handled_by) if obj.handled_by_id else ""


class PostingObjectionInputSerializer(serializers.Serializer):
    review = serializers.IntegerField(help_text="复核（特困终止公示所属的复核）")
    text = serializers.CharField(max_length=OBJECTION_MAX_CHARS, help_text="异议内容")
    raised_by = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="异议人姓名"
    )
    contact = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(required=False, default=False)


class PostingObjectionHandleSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[
            (PostingObjectionStatus.UPHELD.value, PostingObjectionStatus.UPHELD.label),
            (PostingObjectionStatus.DISMISSED.value, PostingObjectionStatus.DISMISSED.label),
        ],
        help_text="upheld：异议成立，撤回终止；dismissed：异议不成立，终止生效",
    )
    feedback = serializers.CharField(max_length=OBJECTION_MAX_CHARS, help_text="核实情况与反馈")
