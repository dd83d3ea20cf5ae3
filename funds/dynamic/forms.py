"""Forms of 动态管理: opening a review (a change of circumstance), a review's conclusion,
a campaign. Field checks only; the services refuse with their Chinese reasons, which the
views put at the fields (relief.forms.errors_at_fields)."""

from __future__ import annotations

from django import forms

from cases.models import Member
from cases.notices.forms import ObjectorFields
from cases.notices.services import OBJECTION_MAX_CHARS
from funds.dynamic.models import (
    FindingSource,
    PostingObjectionStatus,
    ReviewOutcome,
    ReviewTrigger,
)
from funds.dynamic.selectors import CIRCUMSTANCES
from relief.forms import DateInput
from relief.models import AssistanceType, Region
from relief.scoping import townships_for_user, villages_for_user


class ReviewOpenForm(forms.Form):
    trigger = forms.ChoiceField(
        label="情况变化",
        choices=[("", "请选择"), *CIRCUMSTANCES],
        error_messages={"required": "请选择情况变化"},
    )
    died_on = forms.DateField(
        label="死亡日期",
        required=False,
        widget=DateInput(),
        help_text="成员死亡时必填，不能晚于今天",
        error_messages={"invalid": "请填写有效日期"},
    )
    member = forms.ModelChoiceField(
        label="去世成员",
        queryset=Member.objects.none(),
        required=False,
        empty_label="请选择",
        help_text="成员死亡时必选：自死亡次月起不再计入保障成员；唯一保障成员死亡的自动停保",
        error_messages={"invalid_choice": "去世成员须为本家庭成员"},
    )
    note = forms.CharField(
        label="情况说明",
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "情况说明不能超过300字"},
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.order_by("pk")  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("trigger") == ReviewTrigger.DEATH and not data.get("member"):
            self.add_error("member", "请选择去世的成员")
        return data


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    """A month (``YYYY-MM``, or a full date), as the 1st of that month."""

    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MonthInput())
        kwargs.setdefault("error_messages", {"invalid": "请填写有效月份（如 2026-07）"})
        super().__init__(**kwargs)

    def to_python(self, value):
        day = self.parse_day(value)
        return day.replace(day=1) if day else day

    def parse_day(self, value):
        """The date as written (``YYYY-MM`` reads as the 1st), None when empty; bad input
        raises the field's Chinese ``invalid`` error. The API's month field asks it too."""
        return super().to_python(value)


class ReviewConclusionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="复核结论",
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择复核结论"},
    )
    new_amount = forms.DecimalField(
        label="调整后月发放额(元)",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "invalid": "请填写金额",
            "min_value": "金额不能为负数",
            "max_decimal_places": "金额最多保留两位小数",
        },
    )
    effective_month = MonthField(
        label="生效月份",
        required=False,
        help_text="不填则自决定的次月起；该月花名册已锁定的，自下一个未锁定月份起",
    )
    phase_out_months = forms.IntegerField(
        label="渐退月数",
        required=False,
        min_value=1,
        error_messages={"invalid": "请填写整数月数", "min_value": "渐退月数至少为1"},
    )
    reasons = forms.CharField(
        label="理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="暂停、停保、渐退须写明理由，将载入书面通知",
    )
    dishonesty_note = forms.CharField(
        label="查实的虚假信息（失信记录）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="复核查实家庭提供虚假信息的，写明情形；作出决定时载入失信记录",
    )
    recovery_amount = forms.DecimalField(
        label="追缴金额(元)",
        required=False,
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": "追缴金额须为数字", "max_decimal_places": "最多保留两位小数"},
        help_text="不应享受期间已发放的金额；作出决定时交下一期花名册追缴",
    )
    recovery_from = MonthField(label="追缴所涉起始月份", required=False)
    recovery_to = MonthField(label="追缴所涉截止月份", required=False)
    opinion = forms.CharField(
        label="审批意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="作出决定时签署；不填则以复核结论为意见",
    )
    then = forms.ChoiceField(
        choices=[("", "保存结论"), ("decide", "作出决定"), ("refer", "报县审批")],
        required=False,
        widget=forms.HiddenInput,
    )


class CampaignForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, required=False)
    due_on = forms.DateField(
        label="复核截止日",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "请填写有效日期"},
    )
    township = forms.ModelChoiceField(
        label="乡镇(街道)", queryset=Region.objects.none(), required=False, empty_label="全部"
    )
    village = forms.ModelChoiceField(
        label="村(社区)", queryset=Region.objects.none(), required=False, empty_label="全部"
    )
    assistance_type = forms.ModelChoiceField(
        label="救助类型",
        queryset=AssistanceType.objects.filter(active=True),
        required=False,
        empty_label="全部",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships_for_user(user)  # type: ignore[attr-defined]
        self.fields["village"].queryset = villages_for_user(user)  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        township, village = data.get("township"), data.get("village")
        if township is not None and village is not None and village.parent_id != township.pk:
            self.add_error("village", "该村(社区)不属于所选乡镇(街道)")
        return data


class DishonestyForm(forms.Form):
    """A spot check's or a complaint's finding of false information, against a recipient."""

    source = forms.ChoiceField(
        label="发现途径",
        choices=[
            ("", "请选择"),
            (FindingSource.SPOT_CHECK.value, FindingSource.SPOT_CHECK.label),
            (FindingSource.COMPLAINT.value, FindingSource.COMPLAINT.label),
        ],
        error_messages={"required": "请选择发现途径"},
    )
    reference = forms.CharField(
        label="依据的核查结论",
        max_length=200,
        help_text="抽查名称及户序号，或举报登记号",
        error_messages={"required": "请填写所依据的核查结论", "max_length": "不能超过200字"},
    )
    what = forms.CharField(
        label="查实的虚假信息",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请写明查实的虚假信息"},
    )
    found_on = forms.DateField(
        label="认定日期",
        widget=DateInput(),
        error_messages={"required": "请填写认定日期", "invalid": "请填写有效日期"},
    )
    recovery_amount = forms.DecimalField(
        label="追缴金额(元)",
        required=False,
        max_digits=12,
        decimal_places=2,
        error_messages={"invalid": "追缴金额须为数字", "max_decimal_places": "最多保留两位小数"},
    )
    recovery_from = MonthField(label="追缴所涉起始月份", required=False)
    recovery_to = MonthField(label="追缴所涉截止月份", required=False)


class PostingObjectionForm(ObjectorFields):
    """An objection to a 特困 termination during its posting: who (or anonymous), how to
    reach them, what (the notice objection's own fields)."""


class PostingObjectionHandleForm(forms.Form):
    outcome = forms.ChoiceField(
        label="核实结论",
        choices=[
            (PostingObjectionStatus.UPHELD, PostingObjectionStatus.UPHELD.label),
            (PostingObjectionStatus.DISMISSED, PostingObjectionStatus.DISMISSED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择异议是否成立", "invalid_choice": "请选择异议是否成立"},
    )
    feedback = forms.CharField(
        label="核实情况与反馈",
        max_length=OBJECTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "请填写核实情况与反馈内容",
            "max_length": f"反馈内容不能超过{OBJECTION_MAX_CHARS}字",
        },
    )
