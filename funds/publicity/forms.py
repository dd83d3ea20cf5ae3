"""The public objection form (no login, text only, no uploads): the household is chosen
among the batch's masked rows by its 序号, never by a case number."""

from __future__ import annotations

from django import forms

from cases.notices.models import NoticeBatch, NoticeEntry
from cases.notices.services import OBJECTION_MAX_CHARS


class PublicObjectionForm(forms.Form):
    household = forms.TypedChoiceField(
        label="对哪一户有异议",
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "required": "请选择公示名单中的一户",
            "invalid_choice": "请选择公示名单中的一户",
        },
    )
    text = forms.CharField(
        label="异议内容",
        max_length=OBJECTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "class": "form-control"}),
        error_messages={
            "required": "请填写异议内容",
            "max_length": f"异议内容不能超过{OBJECTION_MAX_CHARS}字",
        },
        help_text=f"只能填写文字，不超过{OBJECTION_MAX_CHARS}字；不能上传文件。",
    )
    raised_by = forms.CharField(
        label="您的称呼（可不填，不填即匿名）",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"max_length": "称呼不能超过40字"},
    )
    contact = forms.CharField(
        label="联系方式（可不填；留下后乡镇将向您反馈处理结果）",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"}),
        error_messages={"max_length": "联系方式不能超过60字"},
    )

    def __init__(self, *args, batch: NoticeBatch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.entries = list(batch.entries.all())
        household = self.fields["household"]
        assert isinstance(household, forms.TypedChoiceField)
        household.choices = [("", "请选择")] + [
            (e.position, f"{e.position}. {e.masked_name}") for e in self.entries
        ]

    def case_id(self) -> int | None:
        """The case behind the chosen row (read here, never put on the page)."""
        position = self.cleaned_data["household"]
        return (
            NoticeEntry.objects.filter(batch=self.batch, position=position)
            .values_list("case_id", flat=True)
            .first()
        )
