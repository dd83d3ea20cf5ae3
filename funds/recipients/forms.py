"""Forms of the register pages: they parse input; the services validate the rules and
``relief.forms.errors_at_fields`` puts their messages back at the fields."""

from __future__ import annotations

from django import forms

from funds.recipients.models import AccountKind, Bank
from relief.forms import BootstrapForm, DateInput
from relief.models import AssistanceType


class BankAccountForm(BootstrapForm):
    holder_member = forms.ModelChoiceField(
        label="户名对应成员",
        queryset=None,
        required=False,
        empty_label="（非家庭成员代领）",
    )
    holder_name = forms.CharField(label="账户户名", max_length=40, required=False)
    agent_reason = forms.CharField(
        label="代领原因", max_length=200, required=False, help_text="户名不是家庭成员时必填"
    )
    bank = forms.ChoiceField(
        label="开户银行", choices=[("", "请选择"), *Bank.choices], required=False
    )
    kind = forms.ChoiceField(
        label="账户类型", choices=AccountKind.choices, initial=AccountKind.CARD
    )
    account_number = forms.CharField(
        label="账号",
        max_length=40,
        required=False,
        help_text="银行卡16–19位并校验卡号校验位；存折（惠农一本通）16–19位数字",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder_member"].queryset = household.members.order_by("pk")


class RevealForm(BootstrapForm):
    purpose = forms.CharField(label="查看用途", max_length=200, required=False)


class AdjustmentPreviewForm(BootstrapForm):
    assistance_type = forms.ModelChoiceField(
        label="救助类型",
        queryset=AssistanceType.objects.filter(active=True, workflow__in=("dibao", "tekun")),
        empty_label="请选择",
    )
    area = forms.ChoiceField(label="城乡", choices=[("urban", "城市"), ("rural", "农村")])
    effective_month = forms.DateField(
        label="新标准执行月份", widget=DateInput(), help_text="按月执行，填写该月任一日期即可"
    )
