"""Forms of the notice pages. They parse input; the rules (a case of another village, a
case not ready, a period shorter than the policy, an objection after the period …) live in
cases/notices/services.py, whose Chinese ValidationErrors ``relief.forms.errors_at_fields``
puts back at the field."""

from __future__ import annotations

from django import forms

from cases.notices.models import NoticeKind
from cases.notices.services import OBJECTION_MAX_CHARS
from relief.forms import BootstrapForm, DateInput
from relief.models import Region

#: Shown under the phone-friendly file input (it opens the camera on a phone).
PHOTO_HELP = "用手机拍摄张贴后的公示栏照片，JPEG或PNG格式"


class VillageForm(BootstrapForm):
    """Which village the new batch is for (a village assistant has only their own)."""

    village: forms.ModelChoiceField = forms.ModelChoiceField(
        label="村(社区)", queryset=Region.objects.none(), empty_label="请选择村(社区)"
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class BatchForm(BootstrapForm):
    kind = forms.ChoiceField(label="公示类别", choices=NoticeKind.choices)
    cases = forms.MultipleChoiceField(
        label="公示户（待公示案件）",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一户"},
    )
    starts_on = forms.DateField(
        label="公示开始日期", widget=DateInput(), error_messages={"invalid": "请填写有效日期"}
    )
    place = forms.CharField(
        label="张贴地点", max_length=100, help_text="如：村委会公示栏、村民小组公示栏"
    )
    phone = forms.CharField(
        label="乡镇异议受理电话",
        max_length=40,
        help_text="印在公示上，另附社会救助服务热线12349",
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, ready, **kwargs):
        super().__init__(*args, **kwargs)
        self.ready = ready
        self.rows = [
            {"case": case, "kind": kind, "kind_label": NoticeKind(kind).label}
            for case, kind in ready
        ]
        self.fields["cases"].choices = [
            (str(case.pk), f"{case.number} {case.applicant.name if case.applicant else ''}")
            for case, _kind in ready
        ]
        self.fields["cases"].widget.attrs["class"] = "form-check-input"
        kinds = {kind for _case, kind in ready}
        if len(kinds) == 1 and "kind" not in self.initial:
            self.initial["kind"] = kinds.pop()

    def chosen_cases(self) -> list:
        wanted = set(self.cleaned_data["cases"])
        return [case for case, _kind in self.ready if str(case.pk) in wanted]


class PublishForm(BootstrapForm):
    starts_on = forms.DateField(
        label="公示开始日期（张贴当日）",
        widget=DateInput(),
        error_messages={"invalid": "请填写有效日期"},
    )
    place = forms.CharField(label="张贴地点", max_length=100)


class WithdrawForm(BootstrapForm):
    reason = forms.CharField(
        label="撤回理由",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写撤回理由"},
    )


class PhotoForm(BootstrapForm):
    file = forms.FileField(
        label="张贴照片",
        help_text=PHOTO_HELP,
        error_messages={"required": "请选择照片", "empty": "照片文件为空"},
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment"}
        ),
    )


class ObjectorFields(forms.Form):
    """Who raised an objection (or anonymous), how to reach them, what: the fields every
    objection form shares (a notice batch's here, a 特困 termination posting's in
    funds.dynamic)."""

    anonymous = forms.BooleanField(label="匿名（不登记异议人姓名）", required=False)
    raised_by = forms.CharField(label="异议人姓名", max_length=40, required=False)
    contact = forms.CharField(
        label="联系方式",
        max_length=60,
        required=False,
        help_text="留有联系方式的，办结后须向异议人反馈处理结果",
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    text = forms.CharField(
        label="异议内容",
        max_length=OBJECTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "请填写异议内容",
            "max_length": f"异议内容不能超过{OBJECTION_MAX_CHARS}字",
        },
    )


class ObjectionForm(BootstrapForm, ObjectorFields):
    """An objection raised at the township: which household of the batch, then who (or
    anonymous), how to reach them, what."""

    case = forms.ChoiceField(label="异议针对的公示户", error_messages={"required": "请选择公示户"})
    field_order = ["case", "anonymous", "raised_by", "contact", "text"]

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = {str(e.case_id): e for e in entries}
        self.fields["case"].choices = [
            ("", "请选择"),
            *[
                (key, f"{e.position}. {e.masked_name or e.case.number}（{e.case.number}）")
                for key, e in self.entries.items()
            ],
        ]

    def clean(self):
        data = super().clean()
        if not data.get("anonymous") and not (data.get("raised_by") or "").strip():
            self.add_error("raised_by", "请填写异议人姓名，或勾选匿名")
        return data


class FeedbackForm(BootstrapForm):
    feedback = forms.CharField(
        label="处理结果与反馈内容",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写处理结果与反馈内容"},
    )
