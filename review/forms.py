"""Forms validate field types; the rules live in review/services.py, whose Chinese
ValidationErrors are put back on the field that caused them (``relief.forms.apply_errors``)."""

from __future__ import annotations

from django import forms

from relief.models import AssistanceType, Delegation
from review.models import Complaint, Filing, ProblemKind, SpotCheckItem


class DateInput(forms.DateInput):
    input_type = "date"


class FilingFilterForm(forms.Form):
    township = forms.ChoiceField(label="乡镇", required=False)
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部"), *AssistanceType.Category.choices]
    )
    kind = forms.ChoiceField(
        label="备案类别", required=False, choices=[("", "全部"), *Filing.Kind.choices]
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *Filing.Status.choices]
    )
    date_from = forms.DateField(label="决定日期自", required=False, widget=DateInput)
    date_to = forms.DateField(label="至", required=False, widget=DateInput)
    near_relative = forms.BooleanField(label="近亲属备案", required=False)
    complaint = forms.BooleanField(label="有投诉举报", required=False)
    overdue = forms.BooleanField(label="超期", required=False)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "全部"), *[(str(t.pk), t.name) for t in townships]]


class QueryForm(forms.Form):
    subject = forms.CharField(label="质询事项", max_length=200)
    body = forms.CharField(label="质询内容", widget=forms.Textarea)


class MessageForm(forms.Form):
    body = forms.CharField(label="答复内容", widget=forms.Textarea)


class CampaignForm(forms.Form):
    name = forms.CharField(label="抽查名称", max_length=100)
    period_start = forms.DateField(label="确认日期自", widget=DateInput)
    period_end = forms.DateField(label="确认日期至", widget=DateInput)
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="留空由系统随机生成；填写既有种子可复现同一抽样结果",
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label="核查人", queryset=None, required=False, empty_label="（取消指派）"
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class VisitForm(forms.Form):
    visit_date = forms.DateField(label="核查日期", widget=DateInput)
    people_met = forms.CharField(label="见到的家庭成员/知情人", max_length=200)
    findings = forms.CharField(label="核查情况", widget=forms.Textarea)
    outcome = forms.ChoiceField(
        label="核查结论",
        choices=[
            ("", "请选择"),
            (SpotCheckItem.Outcome.CORRECT, "认定准确"),
            (SpotCheckItem.Outcome.PROBLEM, "发现问题"),
        ],
    )
    problem_kind = forms.ChoiceField(
        label="问题类型", required=False, choices=[("", "—"), *ProblemKind.choices]
    )


class RectificationForm(forms.Form):
    township = forms.ChoiceField(label="乡镇(街道)")
    problem_kind = forms.ChoiceField(
        label="问题类型", choices=[("", "请选择"), *ProblemKind.choices]
    )
    description = forms.CharField(label="问题及整改要求", widget=forms.Textarea)
    due_workdays = forms.IntegerField(label="整改期限(工作日)", min_value=1, max_value=90)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [(str(t.pk), t.name) for t in townships]


class ResponseForm(forms.Form):
    body = forms.CharField(label="整改情况", widget=forms.Textarea)
    evidence = forms.FileField(
        label="佐证材料(图片或PDF)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="审查结论", choices=[("accept", "验收通过"), ("return", "退回重新整改")]
    )
    comment = forms.CharField(label="审查意见", required=False, widget=forms.Textarea)
    due_workdays = forms.IntegerField(
        label="退回后整改期限(工作日)", required=False, min_value=1, max_value=90
    )


class RevokeForm(forms.Form):
    reasons = forms.CharField(label="撤销理由", widget=forms.Textarea)
    legal_basis = forms.CharField(
        label="法律依据", max_length=300, initial="《最低生活保障审核确认办法》第三十五条"
    )


class AmountForm(forms.Form):
    new_amount = forms.DecimalField(
        label="纠正后月救助金额(元)", min_value=0, max_digits=12, decimal_places=2
    )
    effective_from = forms.DateField(label="自何日起", widget=DateInput)
    reasons = forms.CharField(label="纠正理由", widget=forms.Textarea)
    legal_basis = forms.CharField(
        label="法律依据", max_length=300, initial="《最低生活保障审核确认办法》第二十三条"
    )


class ComplaintForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", choices=Complaint.Channel.choices)
    named = forms.BooleanField(label="实名举报", required=False)
    reporter_name = forms.CharField(label="举报人姓名", required=False, max_length=40)
    reporter_phone = forms.CharField(label="举报人联系方式", required=False, max_length=40)
    subject_name = forms.CharField(label="被举报人", required=False, max_length=60)
    case_number = forms.CharField(label="涉及案件编号", required=False, max_length=32)
    township = forms.ChoiceField(label="涉及乡镇", required=False)
    content = forms.CharField(label="举报内容", widget=forms.Textarea)
    received_on = forms.DateField(label="受理日期", widget=DateInput)

    def __init__(self, *args, townships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "—"), *[(str(t.pk), t.name) for t in townships]]


class ComplaintAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label="承办人", queryset=None)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff


class NoteForm(forms.Form):
    body = forms.CharField(label="核查记录", widget=forms.Textarea)


class ConcludeForm(forms.Form):
    result = forms.ChoiceField(
        label="核查结果", choices=[("", "请选择"), *[c for c in Complaint.Result.choices if c[0]]]
    )
    result_text = forms.CharField(label="处理结果", widget=forms.Textarea)
    problem_kind = forms.ChoiceField(
        label="问题类型", required=False, choices=[("", "—"), *ProblemKind.choices]
    )


class FeedbackForm(forms.Form):
    feedback_text = forms.CharField(label="向举报人反馈内容", widget=forms.Textarea)
    feedback_on = forms.DateField(label="反馈日期", widget=DateInput)


class DelegationStatusForm(forms.Form):
    status = forms.ChoiceField(label="变更为", choices=Delegation.Status.choices)
    effective_date = forms.DateField(label="生效日期", widget=DateInput)
    reason = forms.CharField(label="原因", max_length=500)
