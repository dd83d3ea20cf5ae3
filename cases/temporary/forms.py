"""Forms of the emergency pages: they parse input only; the services refuse in Chinese at
the field (cases/temporary/services.py), and ``relief.forms.apply_errors`` puts it there."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from cases.models import GrantBody, GrantKind, HukouType
from cases.temporary.rules import SEVERITIES
from relief.forms import BootstrapForm
from relief.scoping import villages_for_user


class AmountField(forms.CharField):
    """An amount in yuan: refused at the field when not a number or not above zero."""

    def clean(self, value):
        raw = super().clean(value)
        try:
            amount = Decimal(str(raw).strip())
        except (InvalidOperation, TypeError):
            raise forms.ValidationError("金额须为数字（元）")
        if not amount.is_finite():
            raise forms.ValidationError("金额须为数字（元）")
        if amount <= 0:
            raise forms.ValidationError("金额须大于 0 元")
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError("金额最多保留两位小数（分）")
        return amount


class EmergencyForm(BootstrapForm):
    """One short form a village assistant fills in on a phone in under a minute."""

    village = forms.ModelChoiceField(
        label="村(社区)", queryset=None, error_messages={"required": "请选择村(社区)"}
    )
    person_name = forms.CharField(
        label="姓名", max_length=40, error_messages={"required": "请填写姓名"}
    )
    id_number = forms.CharField(
        label="身份证号",
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    identity_pending = forms.BooleanField(label="身份待核（暂无法提供身份证号）", required=False)
    identity_note = forms.CharField(
        label="身份描述",
        max_length=200,
        required=False,
        help_text="身份待核时填写：体貌特征、自述情况、发现地点等",
    )
    cause = forms.ChoiceField(label="事由", error_messages={"required": "请选择事由"})
    needs = forms.CharField(
        label="急需救助内容", max_length=200, error_messages={"required": "请填写急需救助的内容"}
    )
    address = forms.CharField(
        label="所在地址（事发地点）", max_length=200, error_messages={"required": "请填写所在地址"}
    )
    hukou_type = forms.ChoiceField(
        label="户籍类型", choices=HukouType.choices, error_messages={"required": "请选择户籍类型"}
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, user, causes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        villages = villages_for_user(user).order_by("code")
        self.fields["village"].queryset = villages
        if villages.count() == 1:
            self.fields["village"].initial = villages.first()
        self.fields["cause"].choices = [("", "请选择"), *((c, c) for c in causes)]


class GrantForm(BootstrapForm):
    body = forms.ChoiceField(label="救助主体", error_messages={"required": "请选择救助主体"})
    kind = forms.ChoiceField(
        label="救助方式", choices=GrantKind.choices, error_messages={"required": "请选择救助方式"}
    )
    description = forms.CharField(
        label="救助内容",
        max_length=200,
        error_messages={"required": "请填写救助内容"},
        help_text="现金写用途；实物写物品和数量",
    )
    amount = AmountField(
        label="金额(元)",
        help_text="实物救助填写折合金额",
        error_messages={"required": "请填写金额"},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )

    def __init__(self, *args, bodies: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b, GrantBody(b).label) for b in bodies]


class IdentifyForm(BootstrapForm):
    id_number = forms.CharField(
        label="身份证号", max_length=18, error_messages={"required": "请填写身份证号"}
    )


class TemporaryAmountForm(BootstrapForm):
    """支出型临时救助 amount: the fields of the county's rule (``rule``); the service checks
    the numbers and answers at the field."""

    severity = forms.ChoiceField(label="困难程度", required=False)
    expenditure = forms.CharField(
        label="合规自付支出（元）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    other_aid = forms.CharField(
        label="已获其他救助（保险、医疗救助等，元）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args, rule: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        self.fields["severity"].choices = [("", "请选择"), *SEVERITIES]
        if rule == "standard_multiple":
            del self.fields["expenditure"], self.fields["other_aid"]
        else:
            del self.fields["severity"]
