"""Forms of the roster pages: they parse input; the services decide (errors at the field)."""

from __future__ import annotations

import datetime

from django import forms

from funds.rosters.models import LineKind, LineResult, RosterExport, RunKind, RunState
from relief.forms import BootstrapForm
from relief.models import AssistanceType


class MonthField(forms.DateField):
    """An <input type=month> value (YYYY-MM) as the first day of the month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": "请输入月份，如 2026-12"}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class RosterStartForm(BootstrapForm):
    month = MonthField(label="发放月份")
    assistance_type = forms.ModelChoiceField(
        label="救助类型",
        queryset=AssistanceType.objects.filter(active=True),
        help_text="临时救助类型的花名册发放待发的一次性救助",
        empty_label=None,
    )
    kind = forms.ChoiceField(label="类别", choices=RunKind.choices, initial=RunKind.REGULAR)


class ResultImportForm(BootstrapForm):
    file = forms.FileField(label="银行回盘文件（CSV 或 XLSX）")


class ExportForm(BootstrapForm):
    format = forms.ChoiceField(label="格式", choices=RosterExport.Format.choices)


class LineFilterForm(BootstrapForm):
    kind = forms.ChoiceField(
        label="类别", choices=[("", "全部")] + LineKind.choices, required=False
    )
    result = forms.ChoiceField(
        label="发放结果", choices=[("", "全部")] + LineResult.choices, required=False
    )


class RosterListFilterForm(BootstrapForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    state = forms.ChoiceField(
        label="状态", choices=[("", "全部")] + RunState.choices, required=False
    )
