"""Forms of the administration pages. Forms only parse input; the services
(relief/services.py, relief/delegation.py, relief/policy.py) validate the domain rules and
their ``ValidationError({field: message})`` is put back at the field by ``apply_errors``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates

from relief.masking import mask_id_number
from relief.models import ROLE_LEVEL, AssistanceType, Delegation, Region, Role
from relief.policy import PolicyKey


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget; renders with Django's own form templates."""

    default_renderer = DjangoTemplates()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")

    def is_valid(self):
        valid = super().is_valid()
        for name in self.errors:
            if name in self.fields:
                css = self.fields[name].widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    self.fields[name].widget.attrs["class"] = f"{css} is-invalid".strip()
        return valid


@contextmanager
def errors_at_fields(
    form: forms.Form,
    *,
    rows: Mapping[str, forms.BaseForm] | None = None,
    rename: Mapping[str, str] | None = None,
) -> Iterator[None]:
    """Run a service call and what follows its success; a ValidationError it raises skips
    the rest of the block and lands at the form's fields (``apply_errors``)."""
    try:
        yield
    except ValidationError as error:
        apply_errors(form, error, rows=rows, rename=rename)


def apply_errors(
    form: forms.Form,
    error: ValidationError,
    *,
    rows: Mapping[str, forms.BaseForm] | None = None,
    rename: Mapping[str, str] | None = None,
) -> None:
    """Put a service's ValidationError on the form: at the field it names, else on top.

    ``rename`` maps a service's key to the form's field (``{"file": "report"}``); ``rows``
    maps a key prefix to the form of one row of a formset (``{"members-0-": form}``), so
    ``members-0-id_number`` lands at that row's ``id_number``."""
    rows, rename = rows or {}, rename or {}
    touched = {id(form): form}
    if hasattr(error, "error_dict"):
        for key, errors in error.error_dict.items():
            key = rename.get(key, key)
            target, field = form, key
            for prefix, row in rows.items():
                if key.startswith(prefix) and key[len(prefix) :] in row.fields:
                    target, field = row, key[len(prefix) :]
                    break
            if field not in target.fields:
                target, field = form, None
            touched[id(target)] = target
            for e in errors:
                target.add_error(field, e.messages if hasattr(e, "messages") else e)
    else:
        form.add_error(None, error.messages)
    for target in touched.values():
        for name in target.errors:
            if name in target.fields:
                css = target.fields[name].widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    target.fields[name].widget.attrs["class"] = f"{css} is-invalid".strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _region_choice(region: Region) -> str:
    return f"{region.full_name}（{region.code}）"


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _region_choice(obj)


class RegionCreateForm(BootstrapForm):
    level = forms.ChoiceField(label="层级", choices=Region.Level.choices)
    parent = RegionChoiceField(label="上级区划", queryset=Region.objects.none(), required=False)
    code = forms.CharField(label="区划代码", max_length=12, help_text="12位数字，如 340521100201")
    name = forms.CharField(label="名称", max_length=60)

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents


class RegionEditForm(BootstrapForm):
    code = forms.CharField(label="区划代码", max_length=12)
    name = forms.CharField(label="名称", max_length=60)


ROLE_CHOICES = [("", "—— 请选择 ——"), *Role.choices]
EXTRA_ROLE_CHOICES = [("", "无"), *Role.choices]


class UserFilterForm(BootstrapForm):
    q = forms.CharField(label="姓名/用户名", required=False)
    role = forms.ChoiceField(
        label="角色", choices=[("", "全部角色"), *Role.choices], required=False
    )
    region = RegionChoiceField(
        label="区划", queryset=Region.objects.none(), required=False, empty_label="全部区划"
    )
    active = forms.ChoiceField(
        label="状态", choices=[("", "全部"), ("1", "启用"), ("0", "停用")], required=False
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions


class UserForm(BootstrapForm):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=40)
    phone = forms.CharField(label="电话", max_length=20, required=False)
    role = forms.ChoiceField(label="角色", choices=ROLE_CHOICES)
    extra_role = forms.ChoiceField(
        label="兼任角色",
        choices=EXTRA_ROLE_CHOICES,
        required=False,
        help_text="须与主要角色同一层级，如乡镇经办人兼审核确认人",
    )
    region = RegionChoiceField(
        label="所属区划",
        queryset=Region.objects.none(),
        help_text="村级角色选村(社区)，乡镇角色选乡镇，县级角色选县",
    )
    id_number = forms.CharField(
        label="身份证号", max_length=18, required=False, help_text="用于近亲属回避核对，可不填"
    )
    clear_id_number = forms.BooleanField(label="删除已登记的身份证号", required=False)
    password = forms.CharField(
        label="初始密码", widget=forms.PasswordInput(render_value=False), required=False
    )
    password2 = forms.CharField(
        label="确认密码", widget=forms.PasswordInput(render_value=False), required=False
    )

    def __init__(self, *args, regions=None, editing=False, current_id_number="", **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions
        self.editing = editing
        self.current_id_number = current_id_number or ""
        if editing:
            del self.fields["password"], self.fields["password2"]
            self.fields["username"].disabled = True
            # PIPL: the registered ID number is never sent back to the page, only masked;
            # a blank field keeps it, a new number replaces it, the box removes it.
            self.initial.pop("id_number", None)
            if self.current_id_number:
                self.fields["id_number"].help_text = (
                    f"已登记：{mask_id_number(self.current_id_number)}（不显示完整号码）；"
                    "留空则保持不变，填写则替换"
                )
            else:
                del self.fields["clear_id_number"]
        else:
            del self.fields["clear_id_number"]
            self.fields["password"].required = True
            self.fields["password2"].required = True
        levels = ", ".join(
            f"{Role(r).label}→{Region.Level(level).label}" for r, level in ROLE_LEVEL.items()
        )
        self.fields["role"].help_text = f"层级要求：{levels}"

    def clean(self):
        data = super().clean()
        if (
            not self.editing
            and data.get("password")
            and data.get("password") != data.get("password2")
        ):
            self.add_error("password2", "两次输入的密码不一致")
        if self.editing and data.get("clear_id_number") and data.get("id_number"):
            self.add_error("id_number", "删除已登记的身份证号时请勿同时填写新号码")
        return data

    def id_number_to_save(self) -> str:
        """The ID number the user keeps after this form (editing: blank keeps the
        registered one, the box removes it)."""
        data = self.cleaned_data
        if data.get("id_number"):
            return data["id_number"]
        if not self.editing or data.get("clear_id_number"):
            return ""
        return self.current_id_number


class PasswordResetForm(BootstrapForm):
    password = forms.CharField(label="新密码", widget=forms.PasswordInput)
    password2 = forms.CharField(label="确认新密码", widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致")
        return data


class DelegationForm(BootstrapForm):
    township = RegionChoiceField(label="乡镇(街道)", queryset=Region.objects.none())
    assistance_type = forms.ModelChoiceField(
        label="救助类型", queryset=AssistanceType.objects.filter(active=True)
    )
    document_no = forms.CharField(
        label="委托书文号", max_length=80, help_text="如 当政委〔2026〕3号"
    )
    document_date = forms.DateField(label="委托书日期", widget=DateInput())
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    effective_until = forms.DateField(
        label="截止日期", widget=DateInput(), required=False, help_text="长期有效可不填"
    )
    phase = forms.ChoiceField(
        label="阶段", choices=Delegation.Phase.choices, initial=Delegation.Phase.FULL
    )

    def __init__(self, *args, townships=None, **kwargs):
        super().__init__(*args, **kwargs)
        if townships is not None:
            self.fields["township"].queryset = townships


class DelegationStatusForm(BootstrapForm):
    status = forms.ChoiceField(
        label="变更为",
        choices=[
            (Delegation.Status.SUSPENDED, "暂停"),
            (Delegation.Status.ACTIVE, "恢复(有效)"),
            (Delegation.Status.REVOKED, "收回(不可恢复)"),
        ],
    )
    effective_date = forms.DateField(label="生效日期", widget=DateInput())
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


def policy_value_field(spec: PolicyKey) -> forms.Field:
    """A form field shaped by the key's kind; parsing and range checks stay in PolicyKey.parse."""
    label = f"{spec.label}{f'（{spec.unit}）' if spec.unit else ''}"
    if spec.kind == "bool":
        return forms.ChoiceField(label=label, choices=[("true", "是"), ("false", "否")])
    if spec.kind == "choice":
        return forms.ChoiceField(label=label, choices=[("", "—— 请选择 ——"), *spec.choices])
    if spec.kind == "text":
        return forms.CharField(label=label, max_length=100)
    attrs = {"inputmode": "numeric" if spec.kind == "int" else "decimal"}
    return forms.CharField(label=label, widget=forms.TextInput(attrs=attrs))


class PolicySetForm(BootstrapForm):
    effective_from = forms.DateField(label="生效日期", widget=DateInput())
    note = forms.CharField(
        label="依据/说明", max_length=200, required=False, help_text="如 县政府文件文号"
    )

    def __init__(self, *args, spec: PolicyKey, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields = {"value": policy_value_field(spec), **self.fields}
        widget = self.fields["value"].widget
        widget.attrs.setdefault(
            "class", "form-select" if isinstance(widget, forms.Select) else "form-control"
        )


class WorkdayOverrideForm(BootstrapForm):
    date = forms.DateField(label="日期", widget=DateInput())
    is_workday = forms.TypedChoiceField(
        label="类型",
        choices=[("0", "休息（法定节假日）"), ("1", "上班（调休工作日）")],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(
        label="说明", max_length=100, required=False, help_text="如 春节、国庆节调休上班"
    )


class AssistanceTypeForm(BootstrapForm):
    name = forms.CharField(label="名称", max_length=60)
    workflow = forms.ChoiceField(label="适用流程", choices=AssistanceType.Workflow.choices)
    active = forms.BooleanField(label="启用", required=False)
    sort_order = forms.IntegerField(label="排序", min_value=0, max_value=32767)
