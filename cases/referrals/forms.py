"""Referral forms: they parse input only; the services answer in Chinese at the field."""

from __future__ import annotations

from django import forms

from relief.forms import BootstrapForm


class DepartmentForm(BootstrapForm):
    name = forms.CharField(label="部门名称", max_length=60, required=False)
    need_kind = forms.ChoiceField(label="承办救助事项", required=False)
    contact_person = forms.CharField(label="联系人", max_length=40, required=False)
    phone = forms.CharField(label="联系电话", max_length=40, required=False)
    active = forms.BooleanField(label="在用", required=False, initial=True)
    members = forms.ModelMultipleChoiceField(
        label="部门经办人（协同部门经办人账号）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "请选择本县(区)的协同部门经办人账号"},
    )

    def __init__(self, *args, kinds: list[str], officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need_kind"].choices = [("", "请选择"), *((k, k) for k in kinds)]
        self.fields["members"].queryset = officers
        self.fields["members"].label_from_instance = lambda u: f"{u.full_name}（{u.username}）"


class ReferralForm(BootstrapForm):
    need_kind = forms.ChoiceField(label="救助事项", required=False)
    need = forms.CharField(label="需求说明", max_length=300, required=False)
    department = forms.ChoiceField(label="转办部门", required=False)

    def __init__(self, *args, kinds: list[str], departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need_kind"].choices = [("", "请选择"), *((k, k) for k in kinds)]
        self.fields["department"].choices = [
            ("", "请选择"),
            *((str(d.pk), f"{d.name}（{d.need_kind}）") for d in departments),
        ]


class AnswerForm(BootstrapForm):
    answer = forms.CharField(label="部门答复", max_length=300, required=False)
    answered_on = forms.CharField(
        label="答复日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
