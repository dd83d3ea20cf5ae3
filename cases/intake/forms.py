"""Forms of the intake pages. They parse what the page sends (types, choices, lengths, the
ID number's own checksum) and answer in Chinese at the field; the rules of the domain stay in
``cases/intake/services`` (shared with the API), whose field errors come back onto these forms
through ``relief.forms.errors_at_fields``. Lengths and choices come from the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from archive.models import Document
from cases.intake import idnumbers
from cases.intake.models.household import MAX_ASSET_VALUE, MAX_MONTHLY_AMOUNT
from cases.intake.services.common import parse_money
from cases.intake.services.household import DISABILITY_TYPES
from cases.models import (
    Asset,
    Case,
    EconomicCheck,
    Household,
    HukouType,
    IncomeItem,
    Member,
    NearRelative,
    Spending,
    Survey,
    TekunAssessment,
)
from relief.forms import DateInput
from relief.models import AssistanceType, Region, User

MEMBER_ROWS = 6  # blank member rows on the application page (phone: scroll; empty rows ignored)
MAX_MEMBER_ROWS = 30  # a household larger than this is registered row by row afterwards
INVESTIGATOR_ROWS = 3

MAX_LENGTH_MESSAGE = "不能超过%(limit_value)d个字（现为%(show_value)d个字）"
DATE_MESSAGE = "日期格式应为 YYYY-MM-DD"


def text(
    model: type[models.Model], name: str, *, label: str | None = None, required: bool = False, **kw
) -> forms.CharField:
    """A text field as long as the model's column allows, stripped, Chinese messages."""
    column = model._meta.get_field(name)
    messages = {"max_length": MAX_LENGTH_MESSAGE}
    if required:
        messages["required"] = f"请填写{label or column.verbose_name}"
    return forms.CharField(
        label=label or str(column.verbose_name),
        max_length=getattr(column, "max_length", None),
        required=required,
        error_messages=messages,
        **kw,
    )


def choice(
    choices: Any, *, label: str, required: bool = True, blank: str | None = "请选择", **kw
) -> forms.ChoiceField:
    """A select; with ``blank`` it opens on that empty option, so nothing is preselected."""
    message = f"请选择{label.split('（')[0].split('(')[0]}"
    return forms.ChoiceField(
        label=label,
        choices=[("", blank), *choices] if blank is not None else list(choices),
        required=required,
        error_messages={"required": message, "invalid_choice": message},
        **kw,
    )


def _id_number(value: str) -> None:
    idnumbers.parse_id_number(value)


def _money(maximum: Any):
    def check(value: str) -> None:
        parse_money(value, maximum=maximum)

    return check


class IdNumberField(forms.CharField):
    """An 18-character resident ID number, normalised (spaces out, x → X) and checked."""

    default_validators = [_id_number]

    def __init__(self, *, label: str = "身份证号", **kw: Any) -> None:
        kw.setdefault("error_messages", {"required": f"请填写{label}"})
        super().__init__(label=label, max_length=30, **kw)

    def to_python(self, value: Any) -> str:
        return idnumbers.normalise(super().to_python(value))


class MoneyField(forms.CharField):
    """An amount in yuan as typed (commas allowed); ``parse_money`` checks it at the field and
    the service parses it again from the same text."""

    def __init__(self, *, label: str, maximum: Any, required: bool = True, **kw: Any) -> None:
        super().__init__(
            label=label,
            required=required,
            max_length=20,
            validators=[_money(maximum)],
            error_messages={"required": "请填写金额", "max_length": "金额须为数字"},
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **kw,
        )


class IntakeDateField(forms.DateField):
    def __init__(self, *, label: str, required: bool = False, **kw: Any) -> None:
        messages = {"invalid": DATE_MESSAGE}
        if required:
            messages["required"] = f"请填写{label}"
        super().__init__(
            label=label, required=required, widget=DateInput(), error_messages=messages, **kw
        )


# --- household and members -----------------------------------------------------------------
OVERRIDE_LABEL = "县级同意重复申请的理由（仅县民政局监管人员填写）"
OVERRIDE_HELP = (
    "同一人同类救助已有在办案件、确需另行办理时填写；理由签名记入案件日志。没有重复申请时请留空。"
)


def _add_override_field(form: forms.Form, may_override: bool) -> None:
    """A county supervisor's form gets ``duplicate_override_reason``; nobody else's does (the
    service refuses a reason from anyone else too)."""
    if may_override:
        form.fields["duplicate_override_reason"] = forms.CharField(
            label=OVERRIDE_LABEL,
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=OVERRIDE_HELP,
            error_messages={"max_length": MAX_LENGTH_MESSAGE},
        )


class HouseholdForm(forms.Form):
    address = text(Household, "address", required=True)
    village_group = text(Household, "village_group", help_text="如：第3村民小组、三组；公示时列出")
    hukou_type = choice(HukouType.choices, label="户籍类型", blank=None)
    phone = text(Household, "phone", widget=forms.TextInput(attrs={"inputmode": "tel"}))
    bank_name = text(Household, "bank_name")
    bank_account = text(Household, "bank_account")


class ApplicationForm(HouseholdForm):
    """The application page's own fields; the members are a formset beside it. The village
    is offered from the user's township and must be chosen."""

    assistance_type = forms.ModelChoiceField(
        label="救助类型",
        queryset=AssistanceType.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择救助类型", "invalid_choice": "请选择救助类型"},
    )
    village = forms.ModelChoiceField(
        label="村(社区)",
        queryset=Region.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择村(社区)", "invalid_choice": "请选择村(社区)"},
    )
    source = choice(Case.Source.choices, label="来源", blank=None)
    proxy_name = text(Case, "proxy_name", label="代办人姓名")
    proxy_id_number = forms.CharField(label="代办人身份证号", max_length=30, required=False)
    proxy_relation = text(Case, "proxy_relation", label="代办人与申请人关系")

    field_order = ["assistance_type", "village", "source", "address", "village_group", "hukou_type"]

    def __init__(
        self, *args: Any, villages: Any, types: Any, may_override: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _add_override_field(self, may_override)
        village = self.fields["village"]
        assert isinstance(village, forms.ModelChoiceField)
        village.queryset = villages
        village.label_from_instance = lambda v: f"{v.parent.name} {v.name}"
        atype = self.fields["assistance_type"]
        assert isinstance(atype, forms.ModelChoiceField)
        atype.queryset = types


class MemberForm(forms.Form):
    """One family member. Sex and birth date may be left empty: the service derives them
    from the ID number, and after the number changes it derives them again rather than keep
    what the page still shows for the old number."""

    name = text(Member, "name", required=True)
    id_number = IdNumberField(help_text="性别、出生日期由身份证号自动识别")
    relation = choice(Member.Relation.choices, label="与申请人关系")
    hukou_type = choice(HukouType.choices, label="户籍类型", blank=None)
    sex = choice(
        Member.Sex.choices,
        label="性别(可不填，填写则核对)",
        required=False,
        blank="按身份证号自动识别",
    )
    birth_date = IntakeDateField(label="出生日期(可不填)")
    hukou_place = text(Member, "hukou_place")
    residence = text(Member, "residence")
    disability_type = choice(
        [(d, d) for d in DISABILITY_TYPES], label="残疾类别", required=False, blank="无"
    )
    disability_grade = forms.TypedChoiceField(
        label="残疾等级",
        choices=[("", "—"), ("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "残疾等级应为1至4级"},
    )
    serious_illness = text(Member, "serious_illness")
    work_capacity = choice(
        Member.WorkCapacity.choices,
        label="劳动能力",
        blank=None,
        required=False,  # the service counts an empty one as full capacity
        initial=Member.WorkCapacity.FULL,
    )
    employment = text(Member, "employment")
    is_student = forms.BooleanField(label="在校学生", required=False)
    covered = forms.BooleanField(label="纳入保障", required=False, initial=True)

    #: the order of the inputs on the page
    LAYOUT = (
        ("name", "col-6 col-md-3"),
        ("id_number", "col-12 col-md-4"),
        ("relation", "col-6 col-md-2"),
        ("hukou_type", "col-6 col-md-3"),
        ("sex", "col-6 col-md-3"),
        ("birth_date", "col-6 col-md-3"),
        ("hukou_place", "col-6 col-md-3"),
        ("residence", "col-6 col-md-3"),
        ("disability_type", "col-6 col-md-3"),
        ("disability_grade", "col-6 col-md-3"),
        ("serious_illness", "col-6 col-md-3"),
        ("work_capacity", "col-6 col-md-3"),
        ("employment", "col-6 col-md-3"),
    )

    def __init__(self, *args: Any, may_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_override_field(self, may_override)

    @property
    def layout_fields(self) -> list[tuple[forms.BoundField, str]]:
        return [(self[name], cols) for name, cols in self.LAYOUT]

    @property
    def override_field(self) -> forms.BoundField | None:
        """The county supervisor's override reason, when this form has it."""
        if "duplicate_override_reason" in self.fields:
            return self["duplicate_override_reason"]
        return None

    def override_reason(self) -> str:
        return self.cleaned_data.get("duplicate_override_reason", "")

    @property
    def check_fields(self) -> list[forms.BoundField]:
        return [self["is_student"], self["covered"]]

    def service_data(self) -> dict[str, Any]:
        """What ``member_save`` / ``application_create`` take: the parsed values, with the
        sex left empty when not entered (the service derives it)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "duplicate_override_reason"}

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, Any]:
        return {name: getattr(member, name) for name in cls.base_fields}


class MemberRowForm(MemberForm):
    """A row of the application page: a row without name and ID number is left out."""

    def has_changed(self) -> bool:
        return any(
            str(self.data.get(self.add_prefix(f), "")).strip() for f in ("name", "id_number")
        )


MemberRowsFormSet = forms.formset_factory(
    MemberRowForm, extra=MEMBER_ROWS, max_num=MAX_MEMBER_ROWS, validate_max=True
)


def member_rows(formset: forms.BaseFormSet) -> list[MemberRowForm]:
    """The filled rows, in page order (what the service numbers ``members-<i>-``)."""
    return [f for f in formset.forms if f.has_changed()]


# --- income, spending, assets ----------------------------------------------------------------
class ItemForm(forms.Form):
    """One income item, deductible spending or asset; the fields depend on ``kind``."""

    member = forms.ModelChoiceField(
        label="家庭成员",
        queryset=Member.objects.none(),
        required=False,
        empty_label="（家庭共有/不区分成员）",
        error_messages={"invalid_choice": "请选择本户成员"},
    )

    def __init__(self, *args: Any, kind: str, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ModelChoiceField)
        member.queryset = members
        if kind == "income":
            self.fields["category"] = choice(IncomeItem.Category.choices, label="收入类别")
            self.fields["kind"] = choice(
                IncomeItem.Kind.choices,
                label="计算口径（《最低生活保障审核确认办法》第十三条规定不计入的收入）",
                blank=None,
                required=False,  # the service counts an empty one as ordinary income
                initial=IncomeItem.Kind.ORDINARY,
            )
            self.fields["monthly_amount"] = MoneyField(
                label="月收入(元)", maximum=MAX_MONTHLY_AMOUNT
            )
            model: type[models.Model] = IncomeItem
        elif kind == "spending":
            self.fields["category"] = choice(Spending.Category.choices, label="支出类别")
            self.fields["monthly_amount"] = MoneyField(
                label="月均金额(元)", maximum=MAX_MONTHLY_AMOUNT
            )
            model = Spending
        else:
            self.fields["kind"] = choice(Asset.Kind.choices, label="财产类别")
            self.fields["quantity"] = forms.IntegerField(
                label="数量",
                min_value=1,
                max_value=1000,
                initial=1,
                widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                error_messages={
                    k: "数量应为1至1000的整数"
                    for k in ("required", "invalid", "min_value", "max_value")
                },
            )
            self.fields["value"] = MoneyField(label="估值(元)", maximum=MAX_ASSET_VALUE)
            model = Asset
        self.fields["description"] = text(model, "description")

    @staticmethod
    def initial_for(item: models.Model) -> dict[str, Any]:
        names = ("member", "category", "kind", "description", "monthly_amount", "quantity")
        out = {n: getattr(item, n) for n in (*names, "value") if hasattr(item, n)}
        out["member"] = getattr(item, "member_id", None)
        return out


# --- survey ----------------------------------------------------------------------------------
class NameListWidget(forms.Widget):
    """Several text inputs under one name (``investigators``), at least ``rows`` of them."""

    template_name = "forms/widgets/name_list.html"
    use_fieldset = True

    def __init__(self, *, rows: int, placeholder: str, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.rows, self.placeholder = rows, placeholder

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        if hasattr(data, "getlist"):
            return data.getlist(name)
        value = data.get(name)
        return value if isinstance(value, list) else [] if value is None else [value]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False

    def format_value(self, value: Any) -> list[str]:
        return [str(v) for v in value or []]

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        names = self.format_value(value)
        names += [""] * max(0, self.rows - len(names))
        context["widget"]["names"] = [
            (i, n, f"{self.placeholder}{i}") for i, n in enumerate(names, start=1)
        ]
        return context


class NameListField(forms.Field):
    widget = NameListWidget

    def __init__(self, *, max_length: int, rows: int, placeholder: str, **kw: Any) -> None:
        self.max_length = max_length
        super().__init__(widget=NameListWidget(rows=rows, placeholder=placeholder), **kw)

    def to_python(self, value: Any) -> list[str]:
        return [str(v).strip() for v in value or [] if str(v).strip()]

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        for name in value:
            if len(name) > self.max_length:
                raise ValidationError(
                    f"每名调查人员姓名不能超过{self.max_length}个字（“{name[:10]}…”）"
                )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked as a file (contents: the service)."""

    def clean(self, data: Any, initial: Any = None) -> list:
        if isinstance(data, list | tuple):
            files = [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        else:
            files = [super().clean(data, initial)] if data else []
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class SurveyForm(forms.Form):
    """The home-visit survey; what finishing needs (≥ 2 investigators, the findings) is the
    service's rule, a draft may be incomplete."""

    visit_date = IntakeDateField(label="调查日期")
    investigators = NameListField(
        label="调查人员（至少2人，须署名）",
        max_length=40,
        rows=INVESTIGATOR_ROWS,
        placeholder="调查人",
        required=False,
    )
    housing = choice(Survey.Housing.choices, label="住房情况", required=False)
    living_conditions = forms.CharField(
        label="生活状况（家庭成员、收入、财产、生活条件）", widget=forms.Textarea, required=False
    )
    findings = forms.CharField(label="调查结论/发现", widget=forms.Textarea, required=False)
    photos = MultipleFileField(
        label="现场照片（JPEG/PNG，可多张）",
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/jpeg,image/png", "capture": "environment", "multiple": True}
        ),
    )

    @staticmethod
    def initial_for(survey: Survey | None) -> dict[str, Any]:
        if survey is None:
            return {}
        return {
            "visit_date": survey.visit_date,
            "investigators": list(survey.investigators),
            "housing": survey.housing,
            "living_conditions": survey.living_conditions,
            "findings": survey.findings,
        }


# --- the county's check report ----------------------------------------------------------------
class CheckReturnForm(forms.Form):
    conclusion = choice(EconomicCheck.Conclusion.choices, label="核对结论")
    conclusion_note = forms.CharField(label="结论说明", widget=forms.Textarea, required=False)
    report = forms.FileField(
        label="核对报告（PDF）",
        error_messages={"required": "请上传核对报告（PDF）"},
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )


class CheckResultRowForm(forms.Form):
    """One member's figures in the report (the row's member is fixed by the page)."""

    monthly_income = forms.CharField(
        label="月收入(元)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    deposits = forms.CharField(
        label="存款(元)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    vehicles = forms.IntegerField(
        label="车辆",
        required=False,
        min_value=0,
        max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={k: "应为0至1000的整数" for k in ("invalid", "min_value", "max_value")},
    )
    properties = forms.IntegerField(
        label="房产",
        required=False,
        min_value=0,
        max_value=1000,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={k: "应为0至1000的整数" for k in ("invalid", "min_value", "max_value")},
    )
    business_registered = forms.BooleanField(label="工商登记", required=False)
    note = forms.CharField(
        label="备注",
        required=False,
        max_length=200,
        error_messages={"max_length": MAX_LENGTH_MESSAGE},
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member = member
        self.fields["monthly_income"].validators.append(
            lambda v: parse_money(v, maximum=MAX_MONTHLY_AMOUNT, required=False)
        )
        self.fields["deposits"].validators.append(
            lambda v: parse_money(v, maximum=MAX_ASSET_VALUE, required=False)
        )

    def service_row(self) -> dict[str, Any]:
        return {
            **self.cleaned_data,
            "id_number": self.member.id_number,
            "name": self.member.name,
        }


class CheckResultsFormSet(forms.BaseFormSet):
    """One row per member of the household, in the household's order; the member of a row
    comes from the page's case, never from the form."""

    def __init__(self, *args: Any, members: list[Member], **kwargs: Any) -> None:
        self.members = members
        super().__init__(*args, **kwargs)

    def total_form_count(self) -> int:
        return len(self.members)

    def initial_form_count(self) -> int:
        return len(self.members)

    @property
    def management_form(self) -> forms.Form:  # the rows are the household's members
        count = str(len(self.members))
        form = forms.formsets.ManagementForm(
            {f"{self.prefix}-TOTAL_FORMS": count, f"{self.prefix}-INITIAL_FORMS": count},
            auto_id=self.auto_id,
            prefix=self.prefix,
        )
        form.full_clean()
        return form

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "member": self.members[index or 0]}


CheckResultsRows = forms.formset_factory(CheckResultRowForm, formset=CheckResultsFormSet, extra=0)


# --- 特困 assessment -------------------------------------------------------------------------
class TekunForm(forms.Form):
    support_mode = choice(
        TekunAssessment.SupportMode.choices, label="供养方式（本人选择）", blank=None
    )
    has_able_supporter = forms.BooleanField(
        label="有具备赡养、抚养、扶养能力的法定义务人", required=False
    )
    supporter_note = text(TekunAssessment, "supporter_note", label="义务人情况说明")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = {
            name: forms.BooleanField(label=label, required=False, initial=True)
            for name, label in TekunAssessment.ITEMS
        }
        self.fields = {**items, **self.fields}

    @property
    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, _ in TekunAssessment.ITEMS]

    @property
    def other_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("has_able_supporter", "supporter_note", "support_mode")]

    @staticmethod
    def initial_for(assessment: TekunAssessment | None) -> dict[str, Any]:
        if assessment is None:
            return {}
        names = [n for n, _ in TekunAssessment.ITEMS]
        names += ["has_able_supporter", "supporter_note", "support_mode"]
        return {n: getattr(assessment, n) for n in names}


# --- the near-relative register --------------------------------------------------------------
class NearRelativeForm(forms.Form):
    township = forms.ModelChoiceField(
        label="乡镇(街道)",
        queryset=Region.objects.none(),
        empty_label=None,
        required=False,
        error_messages={"invalid_choice": "请选择本辖区的乡镇(街道)"},
    )
    worker_name = text(NearRelative, "worker_name", label="工作人员姓名", required=True)
    worker_position = choice(NearRelative.Position.choices, label="工作人员身份", blank=None)
    worker_user = forms.ModelChoiceField(
        label="对应系统账号（回避）",
        queryset=User.objects.none(),
        required=False,
        empty_label="无",
        error_messages={"invalid_choice": "请选择本县的系统账号"},
    )
    relative_name = text(NearRelative, "relative_name", label="亲属姓名", required=True)
    relative_id_number = IdNumberField(label="亲属身份证号")
    relation = text(NearRelative, "relation", label="亲属关系", required=True)

    def __init__(self, *args: Any, townships: Any, workers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        township = self.fields["township"]
        assert isinstance(township, forms.ModelChoiceField)
        township.queryset = townships
        township.label_from_instance = lambda t: t.name
        worker = self.fields["worker_user"]
        assert isinstance(worker, forms.ModelChoiceField)
        worker.queryset = workers
        worker.label_from_instance = lambda w: f"{w}（{w.username}）"


# --- one-line forms of the intake file --------------------------------------------------------
class ImportForm(forms.Form):
    file = forms.FileField(
        label="核对结果文件（CSV 或 XLSX）",
        error_messages={"required": "请选择要导入的文件"},
        widget=forms.FileInput(attrs={"accept": ".csv,.xlsx"}),
    )


# --- all items of one kind on one page ---------------------------------------------------------
NEW_ITEM_ROWS = 3  # blank rows under the household's items
MAX_NEW_ITEM_ROWS = 20


class ItemRowsFormSet(forms.BaseFormSet):
    """The household's income items (or spendings, or assets) as rows, then blank rows for new
    ones. Row ``i`` of the first ``len(items)`` is ``items[i]``: the page never says which item
    a row is, so a row cannot reach another household's item."""

    def __init__(self, *args: Any, items: list[models.Model], **kwargs: Any) -> None:
        self.items = items
        kwargs.setdefault("initial", [ItemForm.initial_for(i) for i in items])
        super().__init__(*args, **kwargs)

    def initial_form_count(self) -> int:
        return len(self.items)

    def total_form_count(self) -> int:
        total = super().total_form_count()
        return max(len(self.items), min(total, len(self.items) + MAX_NEW_ITEM_ROWS))

    def rows(self) -> list[tuple[ItemForm, models.Model | None]]:
        """(row, its item or None for a new one)."""
        return [
            (form, self.items[i] if i < len(self.items) else None)  # type: ignore[misc]
            for i, form in enumerate(self.forms)
        ]


ItemRows = forms.formset_factory(
    ItemForm, formset=ItemRowsFormSet, extra=NEW_ITEM_ROWS, can_delete=True, can_delete_extra=False
)


# --- the documents section of the intake file ---------------------------------------------
#: What a clerk may upload as an application's document (the checklist's kinds first).
UPLOAD_KINDS = (
    Document.Kind.ID_CARD,
    Document.Kind.HUKOU,
    Document.Kind.AUTHORISATION,
    Document.Kind.APPLICATION,
    Document.Kind.EVIDENCE,
    Document.Kind.OTHER,
)
CHECKLIST_TEXT = 200  # ChecklistEntry.note; the services' bound for a withdrawal reason too


def _short_text(label: str, *, required_message: str = "") -> forms.CharField:
    messages = {"max_length": MAX_LENGTH_MESSAGE}
    if required_message:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        max_length=CHECKLIST_TEXT,
        required=bool(required_message),
        error_messages=messages,
    )


class ChecklistForm(forms.Form):
    """The checklist of the documents section. Each item without an upload has its note
    (``note-<code>``) and a button ``verify=<code>`` that records 原件已核验 with it; each
    verified item has its withdrawal reason (``reason-<code>``) and a button
    ``withdraw=<code>``. A post without a button is the whole list at once (``provided`` with
    the notes, as the API takes it). The rules (a note is required, the item must not be
    verified already …) are the services'; their errors land at these fields."""

    def __init__(self, *args: Any, rows: list[dict], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "checklist_%s")
        super().__init__(*args, **kwargs)
        self.rows = rows
        codes = [(r["code"], r["name"]) for r in rows]
        verified = [(r["code"], r["name"]) for r in rows if r["verified"]]
        self.fields["verify"] = forms.ChoiceField(
            choices=codes, required=False, error_messages={"invalid_choice": "未知的材料项"}
        )
        self.fields["withdraw"] = forms.ChoiceField(
            choices=verified,
            required=False,
            error_messages={"invalid_choice": "该材料没有原件核验记录"},
        )
        self.fields["provided"] = forms.MultipleChoiceField(
            choices=codes, required=False, error_messages={"invalid_choice": "未知的材料项"}
        )
        for row in rows:
            self.fields[f"note-{row['code']}"] = _short_text(f"{row['name']}：核验说明")
            if row["verified"]:
                self.fields[f"reason-{row['code']}"] = _short_text(f"{row['name']}：撤销原因")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # the buttons and the list are no inputs of their own: their errors go on top
        for name in ("verify", "withdraw", "provided"):
            for error in self._errors.pop(name, []):
                self.add_error(None, error)
        return data

    @property
    def items(self) -> list[dict]:
        """The rows with their inputs: ``note`` (an item without an upload, not verified)
        and ``reason`` (a verified item), BoundFields or None."""
        out = []
        for row in self.rows:
            code = row["code"]
            note = self[f"note-{code}"] if not row["attached"] and not row["verified"] else None
            reason = self[f"reason-{code}"] if row["verified"] else None
            out.append({**row, "note_field": note, "reason_field": reason})
        return out

    def notes(self) -> dict[str, str]:
        return {r["code"]: self.cleaned_data.get(f"note-{r['code']}", "") for r in self.rows}


class DocumentUploadForm(forms.Form):
    """Files of one kind for the case; what a file holds is the document store's check."""

    kind = choice([(k.value, k.label) for k in UPLOAD_KINDS], label="文件类别")
    title = text(Document, "title", label="说明")
    file = MultipleFileField(
        label="文件（PDF、JPEG、PNG，可多个）",
        error_messages={"required": "请选择要上传的文件"},
        help_text="仅接受PDF、JPEG、PNG（按文件内容识别）",
        widget=MultipleFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png", "multiple": True}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "upload_%s")
        super().__init__(*args, **kwargs)


class ReasonForm(forms.Form):
    """One reason for an act (退回村级补充, 撤销近亲属备案); that it is given is the
    service's rule, checked here too so the page answers at once."""

    def __init__(
        self,
        *args: Any,
        label: str,
        required_message: str,
        max_length: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = forms.CharField(
            label=label,
            max_length=max_length,
            widget=forms.TextInput(attrs={"placeholder": label}),
            error_messages={"required": required_message, "max_length": MAX_LENGTH_MESSAGE},
        )


def return_form(data: Any = None) -> ReasonForm:
    """退回村级补充: the reason goes into the signed log (an opinion, no length bound)."""
    return ReasonForm(
        data, label="退回原因", required_message="请填写退回原因", auto_id="return_%s"
    )


def deactivate_form(entry: NearRelative, data: Any = None) -> ReasonForm:
    """撤销近亲属备案 (one form per row of the register)."""
    return ReasonForm(
        data,
        label="撤销理由",
        required_message="请填写撤销理由",
        max_length=NearRelative._meta.get_field("deactivation_reason").max_length,
        auto_id=f"deactivate{entry.pk}_%s",
    )


@dataclass
class DocumentForms:
    """The forms of the documents section; ``all`` in page order (for the error summary)."""

    checklist: ChecklistForm
    upload: DocumentUploadForm
    back: ReasonForm

    @property
    def all(self) -> list[forms.Form]:
        return [self.checklist, self.upload, self.back]


def document_forms(
    checklist: list[dict],
    *,
    checklist_form: ChecklistForm | None = None,
    upload: DocumentUploadForm | None = None,
    back: ReasonForm | None = None,
) -> DocumentForms:
    """The documents section's forms, unbound unless given: a refused post shows the page
    again with its own bound form."""
    return DocumentForms(
        checklist=checklist_form or ChecklistForm(rows=checklist),
        upload=upload or DocumentUploadForm(),
        back=back or return_form(),
    )
