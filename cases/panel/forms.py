"""The panel page's own fields; the rules (date not in the future, members, minutes, at least
one case) stay in ``cases.panel.services.panel_meeting_record``."""

from __future__ import annotations

from django import forms

from relief.forms import DateInput

DATE_MESSAGE = "请填写会议日期（YYYY-MM-DD）"


class PanelMeetingForm(forms.Form):
    held_on = forms.DateField(
        label="会议日期",
        widget=DateInput(),
        error_messages={"required": DATE_MESSAGE, "invalid": DATE_MESSAGE},
    )
    members = forms.CharField(
        label="出席成员（以逗号或顿号分隔）",
        max_length=2000,
        error_messages={"required": "请填写出席成员", "max_length": "出席成员填写过长"},
    )
    minutes = forms.CharField(
        label="会议纪要",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "请填写会议纪要",
            "max_length": "会议纪要不能超过10000个字符",
        },
    )
