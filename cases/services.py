"""Intake services (DOMAIN §3–5, §7–8): applications, household data with versioned edits
after 受理, the document checklist and 一次性告知, the home-visit survey, the economic
check, the near-relative register, and the amount computation.

Views, API views and the import all call these; each validates everything first and
raises ``ValidationError`` with a dict of field → Chinese messages (member rows use the
formset keys ``members-<i>-<field>``), then writes inside one transaction, so nothing is
ever half-saved. State changes go through ``cases.workflow.case_transition`` only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases import idnumbers
from cases.models import (
    AmountComputation,
    Asset,
    Case,
    CaseEvent,
    CaseState,
    ChecklistEntry,
    CheckMemberResult,
    DocumentNotice,
    EconomicCheck,
    Household,
    HouseholdEdit,
    HukouType,
    IncomeItem,
    Member,
    NearRelative,
    Spending,
    Survey,
    TekunAssessment,
)
from cases.models.household import MAX_ASSET_VALUE, MAX_MONTHLY_AMOUNT
from cases.selectors_intake import (
    CHECK_REQUEST_STATES,
    EDITABLE_STATES,
    PRE_ACCEPTANCE_STATES,
    SURVEY_STATES,
    checklist_for_case,
    missing_items,
)
from cases.workflow import IN_TRANSACTION, TransitionRefused, case_transition, is_recused
from relief.models import AssistanceType, Region, Role
from relief.notifications import notify, users_with_role

# --- helpers ----------------------------------------------------------------------------


def _errors(errors: dict[str, Any]) -> None:
    if errors:
        raise ValidationError({k: v if isinstance(v, list) else [v] for k, v in errors.items()})


def _today() -> datetime.date:
    return timezone.localdate()


def parse_money(
    raw: Any, *, maximum: Decimal = MAX_MONTHLY_AMOUNT, required: bool = True
) -> Decimal:
    """A non-negative amount in yuan with at most 2 decimals; ValidationError in Chinese."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise ValidationError("请填写金额")
        return Decimal("0")
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValidationError("金额须为数字")
    if not value.is_finite():
        raise ValidationError("金额须为数字")
    if value < 0:
        raise ValidationError("金额不能为负数")
    if value > maximum:
        raise ValidationError(f"金额超出合理范围（不超过{maximum:,.0f}元）")
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("金额最多保留两位小数")
    return value.quantize(Decimal("0.01"))


def _parse_date(raw: Any) -> datetime.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD")


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw).strip().lower() in ("1", "true", "on", "yes", "是", "y")


def _require_not_recused(case: Case, actor) -> None:
    if is_recused(case, actor):
        raise ValidationError("您是申请人的近亲属，须回避，不能办理此案件")


def _require_role(actor, *roles: str, message: str | None = None) -> None:
    if not actor.has_role(*roles):
        labels = "、".join(Role(r).label for r in roles)
        raise ValidationError(message or f"此操作须由{labels}办理")


def _policy_for_case(case: Case):
    if case.policy_snapshot:
        return case.policy
    from relief.policy import policy_for

    return policy_for(case.township, _today())


def _save_case(case: Case, *fields: str) -> None:
    case.save(update_fields=[*fields, "updated_at"])


def _notify_after_commit(
    *, role: str, region_id: int, verb: str, url_name: str, url_args: list, key: str
) -> None:
    """In-app notice to everyone of ``role`` in a region, once per ``key``, after commit."""
    notify(
        users_with_role(role, region_id),
        verb=verb,
        url=reverse(url_name, args=url_args),
        dedupe_key=key,
    )


# --- members ----------------------------------------------------------------------------

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
        out[f] = str(data.get(f) or "").strip()[:100]
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
            grade = int(grade_raw)
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


def _case_number(township: Region, on: datetime.date) -> str:
    prefix = f"{township.code[:9]}{on:%Y}"
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:05d}"


def _check_village_for_actor(actor, village: Region) -> None:
    if village is None or village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": ["请选择村(社区)"]})
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == village.parent_id:
        return
    if actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == village.pk:
        return
    raise ValidationError({"village": ["只能为本辖区的村(社区)登记"]})


def application_create(
    *,
    actor,
    village: Region,
    assistance_type: AssistanceType,
    household: dict,
    members: list[dict],
    source: str = Case.Source.APPLICATION,
    proxy: dict | None = None,
) -> Case:
    """Register an application (A Art.4–6) or a household found by the village (主动发现):
    household + members + one applicant (relation "本人"), optionally a proxy with 委托.
    The case starts in DRAFT; the township clerk then accepts it (受理) or returns it."""
    _require_role(
        actor,
        Role.TOWNSHIP_CLERK,
        Role.VILLAGE_ASSISTANT,
        message="只有乡镇经办人或村协理员可以登记申请",
    )
    _check_village_for_actor(actor, village)
    errors: dict[str, Any] = {}
    if assistance_type is None or not assistance_type.active:
        errors["assistance_type"] = "请选择救助类型"
    if source not in Case.Source.values:
        errors["source"] = "请选择申请来源"
    address = str(household.get("address") or "").strip()
    if not address:
        errors["address"] = "请填写居住地址"
    hukou = household.get("hukou_type") or ""
    if hukou not in HukouType.values:
        errors["hukou_type"] = "请选择户籍类型"
    proxy = proxy or {}
    proxy_clean = {"proxy_name": "", "proxy_id_number": "", "proxy_relation": ""}
    if source == Case.Source.PROXY:
        proxy_clean["proxy_name"] = str(proxy.get("proxy_name") or "").strip()
        proxy_clean["proxy_relation"] = str(proxy.get("proxy_relation") or "").strip()
        if not proxy_clean["proxy_name"]:
            errors["proxy_name"] = "委托代办须填写代办人姓名"
        if not proxy_clean["proxy_relation"]:
            errors["proxy_relation"] = "委托代办须填写代办人与申请人关系"
        try:
            proxy_clean["proxy_id_number"] = idnumbers.parse_id_number(
                str(proxy.get("proxy_id_number") or "")
            ).number
        except ValidationError as exc:
            errors["proxy_id_number"] = "代办人" + exc.messages[0]
    cleaned: list[dict] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(members):
        prefix = f"members-{i}-"
        try:
            m = clean_member_data(data, prefix=prefix)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if m["id_number"] in seen:
            errors[f"{prefix}id_number"] = (
                f"与第{seen[m['id_number']] + 1}位成员身份证号重复，同一人不能登记两次"
            )
        seen.setdefault(m["id_number"], i)
        cleaned.append(m)
    if not members:
        errors["members"] = "请至少登记一名家庭成员（申请人本人）"
    selves = [i for i, d in enumerate(members) if d.get("relation") == Member.Relation.SELF]
    if members and not selves:
        errors["members"] = "家庭成员中须有一名申请人（与申请人关系选“申请人本人”）"
    for i in selves[1:]:
        errors[f"members-{i}-relation"] = "一户只能有一名申请人本人"
    _errors(errors)

    with transaction.atomic():
        hh = Household.objects.create(
            township=village.parent,
            village=village,
            address=address[:200],
            hukou_type=hukou,
            phone=str(household.get("phone") or "").strip()[:20],
            bank_name=str(household.get("bank_name") or "").strip()[:60],
            bank_account=str(household.get("bank_account") or "").strip()[:40],
            created_by=actor,
        )
        applicant = None
        for m in cleaned:
            member = Member.objects.create(household=hh, **m)
            if member.relation == Member.Relation.SELF:
                applicant = member
        on = _today()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        number=_case_number(village.parent, on),
                        household=hh,
                        assistance_type=assistance_type,
                        township=village.parent,
                        village=village,
                        source=source,
                        applicant=applicant,
                        created_by=actor,
                        **proxy_clean,
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - five concurrent registrations in one township
            raise ValidationError("案件编号生成冲突，请重试")
        case_refresh_near_relative_flag(case)
        if actor.has_role(Role.VILLAGE_ASSISTANT) and not actor.has_role(Role.TOWNSHIP_CLERK):
            _notify_after_commit(
                role=Role.TOWNSHIP_CLERK,
                region_id=case.township_id,
                verb=f"{village.name}登记了{'主动发现' if source == Case.Source.DISCOVERED else ''}救助申请 {case.number}，请受理或退回",
                url_name="cases:intake",
                url_args=[case.pk],
                key=f"intake-draft:{case.pk}",
            )
    return case


def _editable_case(case: Case, actor) -> None:
    _require_not_recused(case, actor)
    if case.state not in EDITABLE_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，家庭信息不能再修改")
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == case.township_id:
        return
    if actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == case.village_id:
        if case.state in PRE_ACCEPTANCE_STATES:
            return
        raise ValidationError("案件受理后，家庭信息由乡镇经办人修改")
    raise ValidationError("您不能修改此案件的家庭信息")


def _display(value: Any, field=None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if field is not None and getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _diff(obj, new: dict) -> dict[str, list[str]]:
    changes = {}
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


def _snapshot(obj, fields: Iterable[str]) -> dict[str, list[str]]:
    out = {}
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
    case: Case, actor, *, entity: str, obj, label: str, action: str, changes: dict
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
def household_update(*, case: Case, actor, data: dict) -> Household:
    _editable_case(case, actor)
    hh = Household.objects.select_for_update().get(pk=case.household_id)
    errors = {}
    new = {
        "address": str(data.get("address") or "").strip()[:200],
        "hukou_type": data.get("hukou_type") or "",
        "phone": str(data.get("phone") or "").strip()[:20],
        "bank_name": str(data.get("bank_name") or "").strip()[:60],
        "bank_account": str(data.get("bank_account") or "").strip()[:40],
    }
    if not new["address"]:
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


@transaction.atomic
def member_save(*, case: Case, actor, data: dict, member: Member | None = None) -> Member:
    """Add a member or edit one; the ID number is validated and sex / birth date derived."""
    _editable_case(case, actor)
    clean = clean_member_data(data)
    errors = {}
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
    case_refresh_near_relative_flag(case)
    return member


@transaction.atomic
def member_delete(*, case: Case, actor, member: Member) -> None:
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


ITEM_MODELS = {"income": IncomeItem, "spending": Spending, "asset": Asset}
ITEM_LABELS = {"income": "收入", "spending": "可扣减支出", "asset": "财产"}


def _clean_item(kind: str, case: Case, data: dict) -> dict:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    member_id = data.get("member") or data.get("member_id")
    out["member"] = None
    if member_id not in (None, ""):
        try:
            out["member"] = Member.objects.get(pk=int(member_id), household_id=case.household_id)
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
def household_item_save(*, case: Case, actor, kind: str, data: dict, item=None):
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
def household_item_delete(*, case: Case, actor, kind: str, item) -> None:
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


# --- checklist, 一次性告知, 受理 -----------------------------------------------------------


@transaction.atomic
def checklist_update(
    *, case: Case, actor, provided: Iterable[str], notes: dict[str, str] | None = None
) -> list[dict]:
    """Tick the document checklist (A Art.9–10); keeps ``case.documents_complete``."""
    _require_role(actor, Role.TOWNSHIP_CLERK)
    _require_not_recused(case, actor)
    if case.state not in PRE_ACCEPTANCE_STATES:
        raise ValidationError("案件已受理，材料清单不能再修改")
    provided = set(provided)
    notes = notes or {}
    rows = checklist_for_case(case)
    unknown = provided - {r["code"] for r in rows}
    if unknown:
        raise ValidationError({"provided": [f"未知的材料项：{'、'.join(sorted(unknown))}"]})
    now = timezone.now()
    for row in rows:
        ChecklistEntry.objects.update_or_create(
            case=case,
            item=row["item"],
            defaults={
                "provided": row["code"] in provided,
                "note": str(notes.get(row["code"], "") or "")[:200],
                "updated_by": actor,
                "updated_at": now,
            },
        )
    case.documents_complete = all(r["code"] in provided for r in rows if r["required"])
    _save_case(case, "documents_complete")
    return checklist_for_case(case)


def case_issue_document_notice(
    *, case: Case, actor, client_address: str | None = None
) -> DocumentNotice:
    """一次性告知 (A Art.9): list every missing item once; the case waits without its clock
    starting. Performs the ``request_documents`` transition from DRAFT; in
    AWAITING_DOCUMENTS the notice already issued is returned unchanged."""
    if case.state == CaseState.AWAITING_DOCUMENTS:
        notice = case.document_notices.first()
        if notice is not None:
            return notice
    if not missing_items(case):
        raise ValidationError("材料已齐全，无需出具一次性告知书，可直接受理")
    with transaction.atomic():
        if case.state == CaseState.DRAFT:
            case_transition(
                case=case, name="request_documents", actor=actor, client_address=client_address
            )
            notice = case.document_notices.first()
        else:
            raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能出具一次性告知书")
    return notice


def _on_transition(case: Case, event: CaseEvent) -> None:
    """IN_TRANSACTION hook of cases.workflow: freeze the 一次性告知 list when the documents
    are requested, whichever screen or API performed the transition."""
    if event.transition == "request_documents":
        DocumentNotice.objects.create(
            case=case,
            missing=[
                {"code": r["code"], "name": r["name"], "note": r["note"]}
                for r in missing_items(case)
            ],
            issued_by=event.actor,
            issued_by_name=event.actor_name,
        )


if _on_transition not in IN_TRANSACTION:
    IN_TRANSACTION.append(_on_transition)


def case_accept(*, case: Case, actor, client_address: str | None = None) -> CaseEvent:
    """受理: refresh the near-relative flag, then the ``accept`` transition (its guards
    check the applicant, the documents and duplicates across the county)."""
    with transaction.atomic():
        case_refresh_near_relative_flag(case)
        return case_transition(case=case, name="accept", actor=actor, client_address=client_address)


def case_return_to_village(
    *, case: Case, actor, reason: str, client_address: str | None = None
) -> CaseEvent:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["请填写退回原因"]})
    return case_transition(
        case=case,
        name="return_to_village",
        actor=actor,
        opinion=reason,
        client_address=client_address,
    )


# --- survey -----------------------------------------------------------------------------


def _clean_investigators(raw) -> list[str]:
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("、", ",").split(",")
    names, seen = [], set()
    for name in raw or []:
        name = str(name).strip()
        if name and name not in seen:
            seen.add(name)
            names.append(name[:40])
    return names


def survey_save(*, case: Case, actor, data: dict, finish: bool, photos: Iterable = ()) -> Survey:
    """入户调查 (A Art.16): saved as a draft any time; finishing needs the date, at least
    ``min_investigators`` (policy) distinct named investigators, living conditions and
    findings. Photos are stored in the same transaction: one bad photo saves nothing."""
    from archive.services import document_upload
    from archive.sniff import JPEG, PNG

    _require_not_recused(case, actor)
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == case.township_id:
        pass
    elif actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == case.village_id:
        pass
    else:
        raise ValidationError("只有本村协理员或乡镇经办人可以填写入户调查")
    if case.state not in SURVEY_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能填写入户调查")
    errors: dict[str, str] = {}
    investigators = _clean_investigators(data.get("investigators"))
    try:
        visit_date = _parse_date(data.get("visit_date"))
    except ValidationError as exc:
        errors["visit_date"] = exc.messages[0]
        visit_date = None
    if visit_date and visit_date > _today():
        errors["visit_date"] = "调查日期不能晚于今天"
    if visit_date and case.accepted_on and visit_date < case.accepted_on:
        errors["visit_date"] = "调查日期不能早于受理日期"
    housing = data.get("housing") or ""
    if housing and housing not in Survey.Housing.values:
        errors["housing"] = "请选择住房情况"
    living = str(data.get("living_conditions") or "").strip()
    findings = str(data.get("findings") or "").strip()
    if finish:
        minimum = _policy_for_case(case).min_investigators
        if len(investigators) < minimum:
            errors["investigators"] = (
                f"入户调查须至少{minimum}名调查人员（当前{len(investigators)}名）"
            )
        if not visit_date and "visit_date" not in errors:
            errors["visit_date"] = "请填写调查日期"
        if not living:
            errors["living_conditions"] = "请填写生活状况"
        if not findings:
            errors["findings"] = "请填写调查结论"
    _errors(errors)
    with transaction.atomic():
        survey, _ = Survey.objects.select_for_update().get_or_create(
            case=case, defaults={"recorded_by": actor}
        )
        survey.visit_date = visit_date
        survey.investigators = investigators
        survey.housing = housing
        survey.living_conditions = living
        survey.findings = findings
        survey.recorded_by = actor
        survey.status = Survey.Status.COMPLETE if finish else Survey.Status.DRAFT
        survey.completed_at = timezone.now() if finish else None
        survey.save()
        for photo in photos:
            document_upload(
                case=case,
                kind="survey_photo",
                uploaded_file=photo,
                actor=actor,
                title="入户调查照片",
                allowed=(JPEG, PNG),
            )
        case.survey_status = "complete" if finish else "draft"
        _save_case(case, "survey_status")
        if finish:
            _auto_compute(case, actor)
    return survey


# --- economic check -----------------------------------------------------------------------


@transaction.atomic
def check_request(*, case: Case, actor) -> EconomicCheck:
    """The clerk asks the county check agency (A Art.17: it starts within 3 working days)."""
    _require_role(actor, Role.TOWNSHIP_CLERK)
    _require_not_recused(case, actor)
    if case.state not in CHECK_REQUEST_STATES:
        raise ValidationError(
            f"案件处于“{case.get_state_display()}”状态，不能申请经济状况核对（须先受理）"
        )
    if case.economic_checks.filter(status=EconomicCheck.Status.REQUESTED).exists():
        raise ValidationError("已申请核对，正在等待县核对机构返回")
    check = EconomicCheck.objects.create(case=case, requested_by=actor)
    case.check_status = "requested"
    _save_case(case, "check_status")
    _notify_after_commit(
        role=Role.COUNTY_VERIFIER,
        region_id=case.township.parent_id,
        verb=f"{case.township.name}申请家庭经济状况核对：案件 {case.number}",
        url_name="cases:check_return",
        url_args=[check.pk],
        key=f"check-request:{check.pk}",
    )
    return check


RESULT_FIELDS = (
    "monthly_income",
    "deposits",
    "vehicles",
    "properties",
    "business_registered",
    "note",
)


def clean_member_results(case: Case, rows: list[dict], *, prefix: str = "results") -> list[dict]:
    """Per-member summary figures of a check report; errors keyed ``results-<i>-<field>``."""
    errors: dict[str, str] = {}
    members = {m.id_number: m for m in Member.objects.filter(household_id=case.household_id)}
    out, seen = [], set()
    for i, row in enumerate(rows):
        key = f"{prefix}-{i}-"
        number = idnumbers.normalise(str(row.get("id_number") or ""))
        member = members.get(number)
        if member is None:
            errors[key + "id_number"] = "该身份证号不是本户成员"
            continue
        if number in seen:
            errors[key + "id_number"] = "同一成员重复填写"
            continue
        seen.add(number)
        clean: dict[str, Any] = {"member": member, "name": member.name, "id_number": number}
        for f in ("monthly_income", "deposits"):
            try:
                clean[f] = parse_money(
                    row.get(f),
                    maximum=MAX_ASSET_VALUE if f == "deposits" else MAX_MONTHLY_AMOUNT,
                    required=False,
                )
            except ValidationError as exc:
                errors[key + f] = exc.messages[0]
        for f in ("vehicles", "properties"):
            raw = row.get(f)
            try:
                clean[f] = int(str(raw).strip()) if raw not in (None, "") else 0
                if not 0 <= clean[f] <= 1000:
                    raise ValueError
            except (TypeError, ValueError):
                errors[key + f] = "应为0至1000的整数"
        clean["business_registered"] = _bool(row.get("business_registered", False))
        clean["note"] = str(row.get("note") or "").strip()[:200]
        out.append(clean)
    _errors(errors)
    return out


def check_return(
    *,
    check: EconomicCheck,
    actor,
    conclusion: str,
    conclusion_note: str = "",
    member_results: list[dict],
    report_file=None,
    import_batch=None,
) -> EconomicCheck:
    """The county verifier records the report (summary per member, conclusion, the report
    PDF) and returns it; a case waiting in CHECKING moves on (``finish_check``)."""
    from archive.services import document_upload
    from archive.sniff import PDF

    _require_role(actor, Role.COUNTY_VERIFIER)
    case = check.case
    _require_not_recused(case, actor)
    errors: dict[str, Any] = {}
    if check.status != EconomicCheck.Status.REQUESTED:
        raise ValidationError("该核对已返回，不能重复返回")
    if conclusion not in EconomicCheck.Conclusion.values:
        errors["conclusion"] = "请选择核对结论"
    if report_file is None and import_batch is None:
        errors["report"] = "请上传核对报告（PDF）"
    try:
        results = clean_member_results(case, member_results)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        results = []
    if not results and not any(k.startswith("results-") for k in errors):
        errors["results"] = "请至少填写一名成员的核对结果"
    _errors(errors)
    with transaction.atomic():
        check = EconomicCheck.objects.select_for_update().get(pk=check.pk)
        if check.status != EconomicCheck.Status.REQUESTED:
            raise ValidationError("该核对已返回，不能重复返回")
        if report_file is not None:
            check.report = document_upload(
                case=case,
                kind="check_report",
                uploaded_file=report_file,
                actor=actor,
                title="家庭经济状况核对报告",
                allowed=(PDF,),
            )
        for r in results:
            CheckMemberResult.objects.create(economic_check=check, **r)
        check.status = EconomicCheck.Status.RETURNED
        check.conclusion = conclusion
        check.conclusion_note = str(conclusion_note or "").strip()
        check.returned_by = actor
        check.returned_at = timezone.now()
        check.import_batch = import_batch
        check.save()
        case.check_status = "returned"
        _save_case(case, "check_status")
        if case.state == CaseState.CHECKING:
            case_transition(
                case=case, name="finish_check", actor=actor, data={"economic_check": check.pk}
            )
        _auto_compute(case, actor)
    return check


# --- near relatives -------------------------------------------------------------------------


def case_refresh_near_relative_flag(case: Case) -> bool:
    """A Art.11: a case with a member registered as a worker's near relative is flagged."""
    from cases.selectors_intake import near_relative_matches

    flag = near_relative_matches(case).exists()
    if flag != case.near_relative_flag:
        case.near_relative_flag = flag
        _save_case(case, "near_relative_flag")
    return flag


def _refresh_flags_for_ids(county_id: int, id_numbers: Iterable[str]) -> int:
    changed = 0
    cases = Case.objects.filter(
        township__parent_id=county_id,
        household__members__id_number__in=list(id_numbers),
        state__in=EDITABLE_STATES,
    ).distinct()
    for case in cases:
        before = case.near_relative_flag
        if case_refresh_near_relative_flag(case) != before:
            changed += 1
    return changed


@transaction.atomic
def near_relative_register(*, actor, data: dict) -> NearRelative:
    """Register a worker's near relative; open cases in the county with that person are
    flagged at once (and the worker, if linked to an account, is recused from them)."""
    from relief.scoping import townships_for_user

    _require_role(
        actor,
        Role.TOWNSHIP_CLERK,
        Role.TOWNSHIP_APPROVER,
        Role.COUNTY_SUPERVISOR,
        Role.ADMINISTRATOR,
    )
    errors: dict[str, str] = {}
    townships = townships_for_user(actor)
    township = data.get("township")
    if township is None and actor.region and actor.region.level == Region.Level.TOWNSHIP:
        township = actor.region
    if isinstance(township, (int, str)) and str(township).isdigit():
        township = townships.filter(pk=int(township)).first()
    if township is None or not townships.filter(pk=township.pk).exists():
        errors["township"] = "请选择本辖区的乡镇(街道)"
    village = data.get("village")
    if isinstance(village, (int, str)) and str(village).isdigit():
        village = Region.objects.filter(pk=int(village), level=Region.Level.VILLAGE).first()
    if village and township and village.parent_id != township.pk:
        errors["village"] = "村(社区)不属于所选乡镇"
    worker_name = str(data.get("worker_name") or "").strip()
    if not worker_name:
        errors["worker_name"] = "请填写工作人员姓名"
    position = data.get("worker_position") or ""
    if position not in NearRelative.Position.values:
        errors["worker_position"] = "请选择工作人员身份"
    worker_user = data.get("worker_user") or None
    if worker_user is not None:
        from relief.models import User

        if not isinstance(worker_user, User):
            worker_user = User.objects.filter(pk=worker_user).first()
        if (
            worker_user is None
            or worker_user.region is None
            or worker_user.region.county.pk != (township.parent_id if township else None)
        ):
            errors["worker_user"] = "请选择本县的系统账号"
    relative_name = str(data.get("relative_name") or "").strip()
    if not relative_name:
        errors["relative_name"] = "请填写亲属姓名"
    relation = str(data.get("relation") or "").strip()
    if not relation:
        errors["relation"] = "请填写亲属关系"
    try:
        number = idnumbers.parse_id_number(str(data.get("relative_id_number") or "")).number
    except ValidationError as exc:
        errors["relative_id_number"] = exc.messages[0]
        number = ""
    if (
        number
        and township
        and NearRelative.objects.filter(
            active=True,
            relative_id_number=number,
            worker_name=worker_name,
            township__parent_id=township.parent_id,
        ).exists()
    ):
        errors["relative_id_number"] = "该亲属已由同一工作人员备案"
    _errors(errors)
    entry = NearRelative.objects.create(
        worker_name=worker_name[:40],
        worker_position=position,
        worker_user=worker_user,
        township=township,
        village=village or None,
        relative_name=relative_name[:40],
        relative_id_number=number,
        relation=relation[:20],
        registered_by=actor,
    )
    _refresh_flags_for_ids(township.parent_id, [number])
    return entry


@transaction.atomic
def near_relative_deactivate(*, actor, entry: NearRelative) -> NearRelative:
    _require_role(
        actor,
        Role.TOWNSHIP_CLERK,
        Role.TOWNSHIP_APPROVER,
        Role.COUNTY_SUPERVISOR,
        Role.ADMINISTRATOR,
    )
    if entry.active:
        entry.active = False
        entry.save(update_fields=["active"])
        _refresh_flags_for_ids(entry.township.parent_id, [entry.relative_id_number])
    return entry


# --- 特困 assessment and amount ----------------------------------------------------------------


@transaction.atomic
def tekun_assessment_save(*, case: Case, actor, data: dict) -> TekunAssessment:
    """The six-item self-care assessment and the supporter condition (C Art.8, 21–22)."""
    _require_role(actor, Role.TOWNSHIP_CLERK)
    _editable_case(case, actor)
    if case.assistance_type.workflow != "tekun":
        raise ValidationError("只有特困案件需要生活自理能力评估")
    mode = data.get("support_mode") or (
        "centralized" if "集中" in case.assistance_type.subtype else "dispersed"
    )
    if mode not in TekunAssessment.SupportMode.values:
        raise ValidationError({"support_mode": ["请选择供养方式"]})
    values = {f: _bool(data.get(f, False)) for f, _ in TekunAssessment.ITEMS}
    assessment, _ = TekunAssessment.objects.update_or_create(
        case=case,
        defaults={
            **values,
            "has_able_supporter": _bool(data.get("has_able_supporter", False)),
            "supporter_note": str(data.get("supporter_note") or "").strip()[:200],
            "support_mode": mode,
            "assessed_by": actor,
            "assessed_at": timezone.now(),
        },
    )
    return assessment


def _area_for(case: Case) -> str:
    code = case.assistance_type.code
    if code.endswith("urban"):
        return "urban"
    if code.endswith("rural"):
        return "rural"
    return case.household.hukou_type


def case_compute_amount(
    *, case: Case, actor, on: datetime.date | None = None, automatic: bool = False
) -> AmountComputation:
    """Eligibility and monthly amount with the standard in force on ``on`` (today), stored
    with its step-by-step explanation; sets ``case.monthly_amount`` (the ``confirm`` guard
    ``amount_set`` reads it for 低保)."""
    from funds import calculators as calc
    from funds.selectors import bands_in_force, living_standard_in_force, tekun_standards_in_force

    if not automatic:
        # ``automatic``: run by the system when the survey and check are in, whoever
        # finished the last of them (e.g. the village assistant completing the survey).
        if not actor.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER):
            raise ValidationError("您的角色不能核算救助金额")
        _require_not_recused(case, actor)
    if case.state not in EDITABLE_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能重新核算金额")
    on = on or _today()
    policy = _policy_for_case(case)
    county = case.township.parent
    area = _area_for(case)
    members = list(Member.objects.filter(household_id=case.household_id).order_by("pk"))
    incomes = list(IncomeItem.objects.filter(household_id=case.household_id))
    counted = {m.pk: Decimal("0") for m in members}
    household_income = excluded = Decimal("0")
    for item in incomes:
        if item.excluded:
            excluded += item.monthly_amount
        elif item.member_id in counted:
            counted[item.member_id] += item.monthly_amount
        else:
            household_income += item.monthly_amount
    deductions = sum(
        (s.monthly_amount for s in Spending.objects.filter(household_id=case.household_id)),
        Decimal("0"),
    )
    rounding, method = policy.amount_rounding, policy.amount_rounding_method
    workflow = case.assistance_type.workflow
    if workflow == "dibao":
        standard = living_standard_in_force(county=county, area=area, on=on)
        if standard is None:
            raise ValidationError(
                f"{county.name}尚未设置{on:%Y-%m-%d}适用的{'城市' if area == 'urban' else '农村'}低保标准"
            )
        facts = [
            calc.MemberFacts(
                name=m.name,
                counted_income=counted[m.pk],
                covered=m.covered,
                severe=bool(m.serious_illness)
                or (m.disability_grade is not None and m.disability_grade <= 2),
            )
            for m in members
        ]
        result = calc.compute_dibao(
            members=facts,
            standard=standard,
            household_income=household_income,
            excluded_income=excluded,
            deductions=deductions,
            mode=policy.dibao_amount_mode,
            bands=bands_in_force(county=county, area=area, on=on),
            rounding=rounding,
            rounding_method=method,
            margin_ratio=policy.dibao_margin_ratio,
        )
        steps = list(result.steps)
        check = case.economic_checks.filter(status=EconomicCheck.Status.RETURNED).first()
        if check is not None:
            reported = sum((r.monthly_income for r in check.member_results.all()), Decimal("0"))
            steps.append(
                f"参考：核对报告（{check.returned_at:%Y-%m-%d}）所列成员月收入合计 {calc.yuan(reported)}。"
            )
        eligible, margin, amount, label = (
            result.eligible,
            result.margin,
            result.amount,
            standard.label,
        )
    elif workflow == "tekun":
        standards = tekun_standards_in_force(county=county, area=area, on=on)
        if standards is None:
            raise ValidationError(f"{county.name}尚未设置{on:%Y-%m-%d}适用的特困供养标准")
        assessment = getattr(case, "tekun_assessment", None)
        if assessment is None:
            raise ValidationError("请先完成特困生活自理能力评估")
        person = case.applicant
        result = calc.compute_tekun(
            name=person.name,
            age=idnumbers.age_on(person.birth_date, on),
            disability_type=person.disability_type,
            disability_grade=person.disability_grade,
            own_income=counted.get(person.pk, Decimal("0")),
            has_able_supporter=assessment.has_able_supporter,
            unmet_items=assessment.unmet_items,
            support_mode_label=assessment.get_support_mode_display(),
            standards=standards,
            rounding=rounding,
            rounding_method=method,
        )
        steps, eligible, margin, amount, label = (
            result.steps,
            result.eligible,
            False,
            result.amount,
            standards.label,
        )
    else:
        raise ValidationError("该救助类型不适用自动核算，请按临时救助规定确定金额")
    steps.append(
        f"核算日期：{on:%Y-%m-%d}；金额取整规则取自{'受理时政策' if case.policy_snapshot else '当前政策'}。"
    )
    with transaction.atomic():
        computation = AmountComputation.objects.create(
            case=case,
            eligible=eligible,
            margin=margin,
            monthly_amount=amount,
            steps=steps,
            standard_label=label[:200],
            computed_by=actor,
        )
        case.monthly_amount = amount if eligible else None
        _save_case(case, "monthly_amount")
    return computation


def _auto_compute(case: Case, actor) -> None:
    """Compute the amount once both the survey and the check (if on the route) are in."""
    if case.assistance_type.workflow not in ("dibao", "tekun"):
        return
    if case.survey_status != "complete" or (
        not case.short_route and case.check_status != "returned"
    ):
        return
    try:
        with transaction.atomic():
            case_compute_amount(case=case, actor=actor, automatic=True)
    except ValidationError:
        # Missing standard or assessment: the clerk computes from the case page later.
        pass


__all__ = [
    "TransitionRefused",
    "application_create",
    "case_accept",
    "case_compute_amount",
    "case_issue_document_notice",
    "case_refresh_near_relative_flag",
    "case_return_to_village",
    "check_request",
    "check_return",
    "checklist_update",
    "household_item_delete",
    "household_item_save",
    "household_update",
    "member_delete",
    "member_save",
    "near_relative_deactivate",
    "near_relative_register",
    "survey_save",
    "tekun_assessment_save",
]
