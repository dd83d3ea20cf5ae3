from __future__ import annotations

from django import forms

from archive.exports.services import EXPORT_STATES
from cases.models import CaseState
from relief.forms import DateInput
from relief.models import AssistanceType
from relief.scoping import townships_for_user

STATE_LABELS = dict(CaseState.choices)


class ExportForm(forms.Form):
    """Township(s) × type(s) × decision-date range × states; the service checks it again."""

    townships = forms.MultipleChoiceField(
        label="乡镇(街道)", widget=forms.CheckboxSelectMultiple, required=False
    )
    types = forms.MultipleChoiceField(
        label="救助类型", widget=forms.CheckboxSelectMultiple, required=False
    )
    date_from = forms.DateField(label="决定日期起", widget=DateInput(), required=False)
    date_to = forms.DateField(label="决定日期止", widget=DateInput(), required=False)
    states = forms.MultipleChoiceField(
        label="案件状态",
        widget=forms.CheckboxSelectMultiple,
        required=False,
        choices=[(s, STATE_LABELS[s]) for s in EXPORT_STATES],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["townships"].choices = [
            (str(t.pk), t.name) for t in townships_for_user(user).order_by("code")
        ]
        self.fields["types"].choices = [
            (t.code, t.name) for t in AssistanceType.objects.filter(active=True)
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].widget.attrs.setdefault("class", "form-control")
        self.fields["townships"].error_messages["invalid_choice"] = "不能导出其他乡镇(街道)的案件"

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
