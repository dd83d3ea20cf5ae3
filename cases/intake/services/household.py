"""Household data: members (with the ID-number checks), the household's own fields and its
income, spending and asset items, with a versioned edit record after 受理."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cases.access import case_require_actor
from cases.intake import idnumbers
from cases.intake.models.household import MAX_ASSET_VALUE, MAX_MONTHLY_AMOUNT, VILLAGE_GROUP_MAX
from cases.intake.services.common import (
    _bool,
    _errors,
    _parse_date,
    _save_case,
    parse_money,
)
from cases.intake.services.duplicates import duplicate_errors, log_override, override_reason
from cases.intake.services.near_relatives import case_refresh_near_relative_flag
from cases.models import (
    Asset,
    Case,
    Household,
    HouseholdEdit,
    HukouType,
    IncomeItem,
    Member,
    Spending,
)
from cases.rules import open_cases_by_id_number, overridden_case_numbers
from cases.states import EDITABLE_STATES, PRE_ACCEPTANCE_STATES
from relief.models import Role, User
from relief.parsing import bounded_text

MEMBER_FIELDS = {
    "name": "姓名",
    "id_number": "身份证号",
    "relation": "与申请人关系",
    "hukou_type": "户籍类型",
    "hukou_place": "户籍所在地",
    "residence": "经常居住地",
    "sex": "性别",
    "birth_date": "出生日期",
    "disability_type": "残疾类别",
    "disability_grade": "残疾等级",
    "serious_illness": "重病/慢性病",
    "work_capacity": "劳动能力",
    "is_student": "在校学生",
    "employment": "就业情况",
    "covered": "纳入保障",
}
DISABILITY_TYPES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")


def clean_member_data(data: dict, *, prefix: str = "") -> dict:
    """Validate one member's data; derive sex and birth date from the ID number and
    cross-check them when entered. Returns clean values or raises field errors."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = "请填写姓名"
    elif len(name) > 40:
        errors["name"] = "姓名过长"
    out["name"] = name
    info = None
    try:
        info = idnumbers.parse_id_number(str(data.get("id_number") or ""))
        out["id_number"] = info.number
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    relation = data.get("relation") or ""
    if relation not in Member.Relation.values:
        errors["relation"] = "请选择与申请人关系"
    out["relation"] = relation
    hukou = data.get("hukou_type") or ""
    if hukou not in HukouType.values:
        errors["hukou_type"] = "请选择户籍类型"
    out["hukou_type"] = hukou
    for f in ("hukou_place", "residence", "serious_illness", "employment"):
        out[f] = bounded_text(data, f, 100, errors)
    sex = data.get("sex") or ""
    if sex and sex not in Member.Sex.values:
        errors["sex"] = "性别取值无效"
    birth = None
    try:
        birth = _parse_date(data.get("birth_date"))
    except ValidationError as exc:
        errors["birth_date"] = exc.messages[0]
    if info is not None:
        for field, message in idnumbers.cross_check(
            info, sex=sex or None, birth_date=birth
        ).items():
            errors.setdefault(field, message)
        out["sex"], out["birth_date"] = info.sex, info.birth_date
    dtype = str(data.get("disability_type") or "").strip()
    grade_raw = data.get("disability_grade")
    grade = None
    if grade_raw not in (None, ""):
        try:
            grade = int(str(grade_raw))
        except (TypeError, ValueError):
            grade = 0
        if not 1 <= grade <= 4:
            errors["disability_grade"] = "残疾等级应为1至4级"
    if dtype and dtype not in DISABILITY_TYPES:
        errors["disability_type"] = "残疾类别无效"
    if grade and not dtype:
        errors["disability_type"] = "填写残疾等级时须选择残疾类别"
    if dtype and not grade:
        errors.setdefault("disability_grade", "请填写残疾等级")
    out["disability_type"], out["disability_grade"] = dtype, grade
    capacity = data.get("work_capacity") or Member.WorkCapacity.FULL
    if capacity not in Member.WorkCapacity.values:
        errors["work_capacity"] = "请选择劳动能力"
    out["work_capacity"] = capacity
    out["is_student"] = _bool(data.get("is_student", False))
    out["covered"] = _bool(data.get("covered", True))
    if errors:
        raise ValidationError({f"{prefix}{k}": [v] for k, v in errors.items()})
    return out


def _editable_case(case: Case, actor: User, *, overriding: bool = False) -> None:
    case_require_actor(case=case, actor=actor, roles=())
    if case.state not in EDITABLE_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，家庭信息不能再修改")
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == case.township_id:
        return
    if (
        overriding
        and actor.has_role(Role.COUNTY_SUPERVISOR)
        and actor.region_id == case.township.parent_id
    ):
        return
    if actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == case.village_id:
        if case.state in PRE_ACCEPTANCE_STATES:
            return
        raise ValidationError("案件受理后，家庭信息由乡镇经办人修改")
    raise ValidationError("您不能修改此案件的家庭信息")


def require_household_editor(*, case: Case, actor: User) -> None:
    """Refuse (``ValidationError``, the reason) an actor who may not edit ``case``'s household
    now: what the member edit form checks before it shows a member's stored values."""
    _editable_case(case, actor)


def _display(value: Any, field: Any = None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _diff(obj: Any, new: dict) -> dict[str, list[str]]:
    changes: dict[str, list[str]] = {}
    for name, value in new.items():
        field = obj._meta.get_field(name)
        old = getattr(obj, field.attname if field.is_relation else name)
        if field.is_relation:
            new_id = value.pk if hasattr(value, "pk") else value
            if old != new_id:
                changes[str(field.verbose_name)] = [str(getattr(obj, name) or ""), str(value or "")]
            continue
        if old != value:
            changes[str(field.verbose_name)] = [_display(old, field), _display(value, field)]
    return changes


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[str(field.verbose_name)] = [
            "",
            _display(getattr(obj, name), field)
            if not field.is_relation
            else str(getattr(obj, name) or ""),
        ]
    return out


def _record_edit(
    case: Case, actor: User, *, entity: str, obj: Any, label: str, action: str, changes: dict
) -> None:
    """Versioned edits after 受理: who changed what and when (shown on the case)."""
    if not case.accepted_on or not changes:
        return
    HouseholdEdit.objects.create(
        household_id=case.household_id,
        case=case,
        entity=entity,
        entity_id=obj.pk,
        entity_label=label[:100],
        action=action,
        changes=changes,
        actor=actor,
        actor_name=str(actor),
    )


@transaction.atomic
def household_update(*, case: Case, actor: User, data: dict) -> Household:
    _editable_case(case, actor)
    hh = Household.objects.select_for_update().get(pk=case.household_id)
    errors: dict[str, str] = {}
    new = {
        "address": bounded_text(data, "address", 200, errors),
        "village_group": bounded_text(data, "village_group", VILLAGE_GROUP_MAX, errors),
        "hukou_type": data.get("hukou_type") or "",
        "phone": bounded_text(data, "phone", 20, errors),
        "bank_name": bounded_text(data, "bank_name", 60, errors),
        "bank_account": bounded_text(data, "bank_account", 40, errors),
    }
    if not new["address"] and "address" not in errors:
        errors["address"] = "请填写居住地址"
    if new["hukou_type"] not in HukouType.values:
        errors["hukou_type"] = "请选择户籍类型"
    _errors(errors)
    changes = _diff(hh, new)
    for k, v in new.items():
        setattr(hh, k, v)
    hh.save()
    _record_edit(
        case,
        actor,
        entity="household",
        obj=hh,
        label="家庭基本信息",
        action=HouseholdEdit.Action.UPDATE,
        changes=changes,
    )
    return hh


def _rederive_from_new_id(data: dict, member: Member | None) -> dict:
    """When an edit corrects a member's ID number, the sex and birth date still shown in the
    form are the ones derived from the old number: drop them, so that they are derived again
    from the new one instead of failing the cross-check. Values the user changed as well are
    kept and still cross-checked."""
    if member is None or str(data.get("id_number") or "").strip().upper() == member.id_number:
        return data
    data = data.copy()  # a QueryDict's copy is mutable; a dict's is a dict
    if str(data.get("sex") or "") == (member.sex or ""):
        data.pop("sex", None)
    if str(data.get("birth_date") or "") in (
        "",
        member.birth_date.isoformat() if member.birth_date else "",
    ):
        data.pop("birth_date", None)
    return data


@transaction.atomic
def member_save(
    *,
    case: Case,
    actor: User,
    data: dict,
    member: Member | None = None,
    duplicate_override_reason: str = "",
) -> Member:
    """Add a member or edit one; the ID number is validated and sex / birth date derived.
    A new ID number held in another open case of the same category in the county is refused
    at the field, naming that case, unless a county supervisor gives
    ``duplicate_override_reason`` (signed in the case log, see ``application_create``)."""
    errors: dict[str, Any] = {}
    override = override_reason(actor, duplicate_override_reason, errors)
    _editable_case(case, actor, overriding=bool(override))
    clean = clean_member_data(_rederive_from_new_id(data, member))
    held: dict[str, list[Case]] = {}
    if member is None or member.id_number != clean["id_number"]:
        allowed = overridden_case_numbers(case)
        held = {
            number: kept
            for number, others in open_cases_by_id_number(
                Case,
                county_id=case.township.parent_id,
                category=case.assistance_type.category,
                id_numbers=[clean["id_number"]],
                exclude_pk=case.pk,
            ).items()
            if (kept := [o for o in others if o.number not in allowed])
        }
    duplicate_errors(held, {clean["id_number"]: 0}, override, errors, prefix="")
    others = Member.objects.filter(household_id=case.household_id)
    if member is not None:
        others = others.exclude(pk=member.pk)
    if others.filter(id_number=clean["id_number"]).exists():
        errors["id_number"] = "该身份证号已在本户登记，同一人不能登记两次"
    was_self = member is not None and member.relation == Member.Relation.SELF
    if (
        clean["relation"] == Member.Relation.SELF
        and others.filter(relation=Member.Relation.SELF).exists()
    ):
        errors["relation"] = "本户已有申请人本人"
    if was_self and clean["relation"] != Member.Relation.SELF:
        errors["relation"] = "申请人的关系不能改为其他；如需更换申请人，请重新登记申请"
    _errors(errors)
    if member is None:
        member = Member.objects.create(household_id=case.household_id, **clean)
        _record_edit(
            case,
            actor,
            entity="member",
            obj=member,
            label=member.name,
            action=HouseholdEdit.Action.CREATE,
            changes=_snapshot(member, clean.keys()),
        )
    else:
        changes = _diff(member, clean)
        for k, v in clean.items():
            setattr(member, k, v)
        member.save()
        _record_edit(
            case,
            actor,
            entity="member",
            obj=member,
            label=member.name,
            action=HouseholdEdit.Action.UPDATE,
            changes=changes,
        )
    if member.relation == Member.Relation.SELF and case.applicant_id != member.pk:
        case.applicant = member
        _save_case(case, "applicant")
    if override:
        log_override(case, actor, override, held)
    case_refresh_near_relative_flag(case)
    return member


@transaction.atomic
def member_delete(*, case: Case, actor: User, member: Member) -> None:
    _editable_case(case, actor)
    if member.household_id != case.household_id:
        raise ValidationError("该成员不属于本户")
    if member.pk == case.applicant_id or member.relation == Member.Relation.SELF:
        raise ValidationError("不能删除申请人本人")
    _record_edit(
        case,
        actor,
        entity="member",
        obj=member,
        label=member.name,
        action=HouseholdEdit.Action.DELETE,
        changes=_snapshot(member, ["name", "id_number", "relation"]),
    )
    member.delete()
    case_refresh_near_relative_flag(case)


ITEM_MODELS: dict[str, type[IncomeItem | Spending | Asset]] = {
    "income": IncomeItem,
    "spending": Spending,
    "asset": Asset,
}
ITEM_LABELS = {"income": "收入", "spending": "可扣减支出", "asset": "财产"}


def _clean_item(kind: str, case: Case, data: dict) -> dict:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    member_id = data.get("member") or data.get("member_id")
    out["member"] = None
    if member_id not in (None, ""):
        try:
            out["member"] = Member.objects.get(
                pk=int(str(member_id)), household_id=case.household_id
            )
        except (Member.DoesNotExist, ValueError, TypeError):
            errors["member"] = "请选择本户成员"
    out["description"] = str(data.get("description") or "").strip()[
        : 200 if kind == "asset" else 100
    ]
    if kind == "income":
        out["category"] = data.get("category") or ""
        if out["category"] not in IncomeItem.Category.values:
            errors["category"] = "请选择收入类别"
        out["kind"] = data.get("kind") or IncomeItem.Kind.ORDINARY
        if out["kind"] not in IncomeItem.Kind.values:
            errors["kind"] = "请选择计算口径"
        amount_field = "monthly_amount"
    elif kind == "spending":
        out["category"] = data.get("category") or ""
        if out["category"] not in Spending.Category.values:
            errors["category"] = "请选择支出类别"
        amount_field = "monthly_amount"
    else:
        out["kind"] = data.get("kind") or ""
        if out["kind"] not in Asset.Kind.values:
            errors["kind"] = "请选择财产类别"
        try:
            out["quantity"] = int(data.get("quantity") or 1)
            if not 1 <= out["quantity"] <= 1000:
                raise ValueError
        except (TypeError, ValueError):
            errors["quantity"] = "数量应为1至1000的整数"
        amount_field = "value"
    try:
        out[amount_field] = parse_money(
            data.get(amount_field),
            maximum=MAX_ASSET_VALUE if kind == "asset" else MAX_MONTHLY_AMOUNT,
        )
    except ValidationError as exc:
        errors[amount_field] = exc.messages[0]
    _errors(errors)
    return out


@transaction.atomic
def household_item_save(*, case: Case, actor: User, kind: str, data: dict, item: Any = None) -> Any:
    """Add or edit an income item, a deductible spending or an asset of the household."""
    _editable_case(case, actor)
    model = ITEM_MODELS[kind]
    clean = _clean_item(kind, case, data)
    if item is None:
        item = model.objects.create(household_id=case.household_id, **clean)
        _record_edit(
            case,
            actor,
            entity=kind,
            obj=item,
            label=ITEM_LABELS[kind],
            action=HouseholdEdit.Action.CREATE,
            changes=_snapshot(item, clean.keys()),
        )
    else:
        if item.household_id != case.household_id:
            raise ValidationError("该记录不属于本户")
        changes = _diff(item, clean)
        for k, v in clean.items():
            setattr(item, k, v)
        item.save()
        _record_edit(
            case,
            actor,
            entity=kind,
            obj=item,
            label=ITEM_LABELS[kind],
            action=HouseholdEdit.Action.UPDATE,
            changes=changes,
        )
    return item


@transaction.atomic
def household_item_delete(*, case: Case, actor: User, kind: str, item: Any) -> None:
    _editable_case(case, actor)
    if item.household_id != case.household_id:
        raise ValidationError("该记录不属于本户")
    _record_edit(
        case,
        actor,
        entity=kind,
        obj=item,
        label=ITEM_LABELS[kind],
        action=HouseholdEdit.Action.DELETE,
        changes={"记录": [str(item), ""]},
    )
    item.delete()
