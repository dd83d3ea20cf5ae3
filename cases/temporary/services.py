"""急难型临时救助 (seed 002, [G]): register an emergency with the minimum facts, help first
(先行救助) by the body whose tier covers the amount, then complete the file.

The clock is the one engine of cases.clocks: registration starts the overall limit and the
hours step ``emergency_help_hours`` (nights and weekends count); the first grant stops it and
starts the working-days step ``emergency_paperwork_wd``. Every number is a policy setting."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from cases.access import case_require_actor
from cases.clocks.services import clock_set_step, clock_set_step_hours, clock_start
from cases.intake import idnumbers
from cases.intake.services.application import (
    application_create,
    check_village_for_actor,
    next_case_number,
)
from cases.intake.services.common import _notify_after_commit, _require_role
from cases.models import (
    AmountComputation,
    Case,
    CaseClock,
    CaseState,
    Emergency,
    EmergencyGrant,
    GrantBody,
    GrantKind,
    Household,
    HukouType,
    Member,
)
from cases.rules import case_area, open_cases_by_id_number
from cases.states import EDITABLE_STATES, ENDED_STATES, WorkflowKind
from cases.temporary.hooks import emergency_grant_recorded
from cases.temporary.rules import (
    EMERGENCY_TYPE_CODE,
    TIER_LABELS,
    VILLAGE,
    compute_temporary_amount,
    may_decide,
    parse_amount,
    tier_for,
)
from cases.temporary.yearly import year_figures
from cases.workflow.services import case_log_event
from funds.standards.calculators import yuan
from funds.standards.selectors import living_standard_in_force
from relief.models import AssistanceType, Region, Role, User
from relief.parsing import checked_text
from relief.policy import Policy, policy_for

REGISTER_ROLES = (Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT)
GRANT_ROLES = (
    Role.VILLAGE_ASSISTANT,
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
)
#: Which bodies a role may record a grant for: the village assistant the village fund; the
#: township's staff the village fund (on its behalf) or the township; the county any body.
BODIES_BY_ROLE = {
    Role.VILLAGE_ASSISTANT: (GrantBody.VILLAGE,),
    Role.TOWNSHIP_CLERK: (GrantBody.VILLAGE, GrantBody.TOWNSHIP),
    Role.TOWNSHIP_APPROVER: (GrantBody.VILLAGE, GrantBody.TOWNSHIP),
    Role.COUNTY_SUPERVISOR: (GrantBody.VILLAGE, GrantBody.TOWNSHIP, GrantBody.COUNTY),
}


def emergency_causes(policy: Policy) -> list[str]:
    """The county's list of causes (``emergency_causes``, separated by 、 or commas)."""
    raw = str(policy.emergency_causes)
    for sep in (",", "，", ";", "；"):
        raw = raw.replace(sep, "、")
    return [c.strip() for c in raw.split("、") if c.strip()]


def bodies_for(actor: User) -> tuple[str, ...]:
    """The bodies ``actor`` may record a grant for (any of their roles)."""
    found: list[str] = []
    for role, bodies in BODIES_BY_ROLE.items():
        if actor.has_role(role):
            found.extend(b for b in bodies if b not in found)
    return tuple(found)


def policy_for_village(village: Region | None) -> Policy:
    township = village.parent if village is not None else None
    return policy_for(township, timezone.localdate()) if township else Policy.from_snapshot({})


def policy_for_user(user: User) -> Policy:
    """The policy in force today for the user's township (a village's parent)."""
    region = user.region
    if region is None:
        return Policy.from_snapshot({})
    if region.level == Region.Level.VILLAGE:
        return policy_for_village(region)
    return policy_for(region, timezone.localdate())


def _emergency_type() -> AssistanceType | None:
    return AssistanceType.objects.filter(code=EMERGENCY_TYPE_CODE, active=True).first()


#: application_create's field names → this form's.
_FIELD_MAP = {
    "members-0-name": "person_name",
    "members-0-id_number": "id_number",
    "members-0-hukou_type": "hukou_type",
    "members": "person_name",
}


def emergency_register(
    *,
    actor: User,
    village: Region | None,
    person_name: str,
    id_number: str = "",
    identity_pending: bool = False,
    identity_note: str = "",
    cause: str,
    needs: str,
    address: str,
    hukou_type: str,
    phone: str = "",
    client_address: str | None = None,
) -> Case:
    """A clerk or village assistant registers an emergency with the minimum facts. With an ID
    number the case is created by the intake's ``application_create``; without one (身份待核,
    only here) the same case is created with no member yet, and completing it is blocked
    (``cases.workflow.guards.identity_known``) until ``emergency_identify``. Starts the clock:
    help within ``emergency_help_hours`` of now. Chinese errors at the field, nothing saved."""
    _require_role(actor, *REGISTER_ROLES, message="只有乡镇经办人或村协理员可以登记急难救助")
    errors: dict[str, Any] = {}
    policy = policy_for_village(village)
    person_name = checked_text(person_name, 40, "person_name", errors, required="请填写姓名")
    causes = emergency_causes(policy)
    cause = str(cause or "").strip()
    if not cause:
        errors["cause"] = "请选择事由"
    elif cause not in causes:
        errors["cause"] = f"事由须为：{'、'.join(causes)} 之一"
    needs = checked_text(needs, 200, "needs", errors, required="请填写急需救助的内容")
    address = checked_text(address, 200, "address", errors, required="请填写所在地址（事发地点）")
    phone = checked_text(phone, 20, "phone", errors)
    if hukou_type not in HukouType.values:
        errors["hukou_type"] = "请选择户籍类型"
    identity_note = checked_text(identity_note, 200, "identity_note", errors)
    number = ""
    if identity_pending:
        if not identity_note:
            errors["identity_note"] = "身份待核须填写身份描述（如体貌特征、发现地点、自述情况）"
    else:
        try:
            number = idnumbers.parse_id_number(str(id_number or "")).number
        except ValidationError as exc:
            blank = not str(id_number or "").strip()
            errors["id_number"] = "请填写身份证号，或选择身份待核" if blank else exc.messages[0]
    assistance_type = _emergency_type()
    if assistance_type is None:
        errors["cause"] = "未启用“临时救助(急难型)”救助类型，请联系管理员"
    if errors:
        raise ValidationError(errors)
    assert assistance_type is not None and village is not None
    now = timezone.now()
    with transaction.atomic():
        if identity_pending:
            case = _case_create_identity_pending(
                actor=actor,
                village=village,
                assistance_type=assistance_type,
                address=address,
                hukou_type=hukou_type,
                phone=phone,
            )
        else:
            try:
                case = application_create(
                    actor=actor,
                    village=village,
                    assistance_type=assistance_type,
                    household={"address": address, "hukou_type": hukou_type, "phone": phone},
                    members=[
                        {
                            "name": person_name,
                            "id_number": number,
                            "relation": Member.Relation.SELF,
                            "hukou_type": hukou_type,
                        }
                    ],
                )
            except ValidationError as exc:
                raise ValidationError(
                    {_FIELD_MAP.get(k, k): v for k, v in exc.message_dict.items()}
                ) from exc
        case.policy_snapshot = policy_for(case.township, timezone.localdate()).as_snapshot()
        case.save(update_fields=["policy_snapshot", "updated_at"])
        Emergency.objects.create(
            case=case,
            person_name=person_name,
            id_number=number,
            identity_pending=identity_pending,
            identity_note=identity_note,
            cause=cause,
            needs=needs,
            registered_at=now,
            registered_by=actor,
            identified_at=None if identity_pending else now,
        )
        clock = clock_start(case=case, accepted_on=timezone.localdate(now))
        policy = case.policy
        clock_set_step_hours(
            clock,
            kind="emergency_help",
            start_at=now,
            hours=int(policy.emergency_help_hours),
            soon_hours=int(policy.emergency_help_soon_hours),
        )
        clock.updated_at = now
        clock.save()
        case_log_event(
            case=case,
            name="emergency_register",
            label="急难型临时救助登记",
            actor=actor,
            roles=REGISTER_ROLES,
            opinion=f"{cause}：{needs}",
            client_address=client_address,
            data={
                "cause": cause,
                "identity_pending": identity_pending,
                "help_due": clock.step_due_at.isoformat() if clock.step_due_at else None,
            },
        )
    return case


def _case_create_identity_pending(
    *,
    actor: User,
    village: Region,
    assistance_type: AssistanceType,
    address: str,
    hukou_type: str,
    phone: str,
) -> Case:
    """The intake's case creation (number, household, village rule) for a person whose
    identity is not known yet: no member until ``emergency_identify``."""
    check_village_for_actor(actor, village)
    township = village.parent
    if township is None:
        raise ValidationError({"village": "所选村(社区)未设上级乡镇(街道)"})
    household = Household.objects.create(
        township=township,
        village=village,
        address=address,
        hukou_type=hukou_type,
        phone=phone,
        created_by=actor,
    )
    on = timezone.localdate()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    number=next_case_number(township, on),
                    household=household,
                    assistance_type=assistance_type,
                    township=township,
                    village=village,
                    source=Case.Source.DISCOVERED,
                    created_by=actor,
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - five concurrent registrations in one township
        raise ValidationError("案件编号生成冲突，请重试")
    if not actor.has_role(Role.TOWNSHIP_CLERK):
        _notify_after_commit(
            role=Role.TOWNSHIP_CLERK,
            region_id=township.pk,
            verb=f"{village.name}登记了急难救助 {case.number}（身份待核），请先行救助",
            url_name="cases:detail",
            url_args=[case.pk],
            key=f"emergency:{case.pk}",
        )
    return case


def _emergency_of(case: Case, *, lock: bool = False) -> Emergency:
    qs = Emergency.objects.select_for_update() if lock else Emergency.objects
    emergency = qs.filter(case=case).first()
    if emergency is None:
        raise ValidationError("该案件不是急难型临时救助登记")
    return emergency


def emergency_identify(
    *,
    case: Case,
    actor: User,
    id_number: str,
    client_address: str | None = None,
) -> Emergency:
    """The identity of a 身份待核 person is known: the member (本人) is added with the ID
    number, the grants take it (yearly counts), and completion is no longer blocked."""
    case_require_actor(case=case, actor=actor, roles=(Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT))
    try:
        info = idnumbers.parse_id_number(str(id_number or ""))
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages[0]}) from exc
    with transaction.atomic():
        emergency = _emergency_of(case, lock=True)
        if not emergency.identity_pending:
            raise ValidationError({"id_number": "当事人身份已核实，无需重复登记"})
        held = open_cases_by_id_number(
            Case,
            county_id=case.township.parent_id,
            category=case.assistance_type.category,
            id_numbers=[info.number],
        ).get(info.number, [])
        others = [c for c in held if c.pk != case.pk]
        if others:
            raise ValidationError(
                {"id_number": f"该身份证号已有在办的临时救助案件 {others[0].number}"}
            )
        member = Member.objects.create(
            household_id=case.household_id,
            name=emergency.person_name,
            id_number=info.number,
            relation=Member.Relation.SELF,
            hukou_type=case.household.hukou_type,
            sex=info.sex,
            birth_date=info.birth_date,
        )
        Case.objects.filter(pk=case.pk).update(applicant=member, updated_at=timezone.now())
        case.applicant = member
        emergency.id_number = info.number
        emergency.identity_pending = False
        emergency.identified_at = timezone.now()
        emergency.save(update_fields=["id_number", "identity_pending", "identified_at"])
        EmergencyGrant.objects.filter(case=case).update(id_number=info.number)
        case_log_event(
            case=case,
            name="emergency_identify",
            label="核实当事人身份",
            actor=actor,
            roles=(Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT),
            client_address=client_address,
            data={"member_id": member.pk},
        )
    return emergency


def emergency_grant_create(
    *,
    case: Case,
    actor: User,
    body: str,
    kind: str,
    description: str,
    amount: Any,
    granted_at: datetime.datetime | None = None,
    client_address: str | None = None,
) -> EmergencyGrant:
    """先行救助: refused (at ``amount``, naming the body that must decide) when the amount is
    over the tier of the body recorded (cases/temporary/rules.py ``tier_for``: the village
    fund, the township, village + township together, the household's yearly cap and same-cause
    limit). The first grant stops the help clock and starts the paperwork clock. A cash grant
    of the township or the county is sent to funds (``emergency_grant_recorded``) as a one-off
    payment line; a village-fund or in-kind grant is recorded and counts, never sent to the bank."""
    case_require_actor(
        case=case,
        actor=actor,
        roles=GRANT_ROLES,
        role_message="先行救助须由村协理员(村级互助金)、乡镇或县民政局登记",
    )
    errors: dict[str, Any] = {}
    allowed = bodies_for(actor)
    if body not in GrantBody.values:
        errors["body"] = "请选择救助主体"
    elif body not in allowed:
        errors["body"] = f"您只能登记{'、'.join(GrantBody(b).label for b in allowed)}的救助"
    if kind not in GrantKind.values:
        errors["kind"] = "请选择救助方式（现金或实物）"
    description = checked_text(description, 200, "description", errors, required="请填写救助内容")
    value = Decimal("0")
    try:
        value = parse_amount(amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    now = timezone.now()
    granted_at = granted_at or now
    if granted_at > now + datetime.timedelta(minutes=5):
        errors["granted_at"] = "救助时间不能晚于现在"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        emergency = _emergency_of(case, lock=True)
        case = Case.objects.select_related("township", "assistance_type").get(pk=case.pk)
        if case.state in ENDED_STATES or case.state == CaseState.REFUSED:
            raise ValidationError("案件已办结或终止，不能再登记先行救助")
        if granted_at < emergency.registered_at - datetime.timedelta(days=1):
            raise ValidationError({"granted_at": "救助时间不能早于登记时间"})
        policy = case.policy
        year = timezone.localtime(granted_at).year
        figures = year_figures(case, year=year)
        village_granted = EmergencyGrant.objects.filter(case=case, body=VILLAGE).aggregate(
            s=Sum("amount")
        )["s"] or Decimal("0")
        decision = tier_for(
            amount=value,
            policy=policy,
            village_granted=village_granted,
            small_only=bool(policy.temp_delegation_small_only),
            year_total=figures["total"],
            same_cause_count=figures["same_cause_count"],
        )
        if not may_decide(body=body, decision=decision):
            reasons = list(decision.reasons)
            if body == VILLAGE and not reasons:
                reasons.append(
                    "村级救急难互助金每案上限"
                    f"{yuan(Decimal(policy.temp_cap_village))}"
                    + (f"，本案已救助{yuan(village_granted)}" if village_granted else "")
                )
            raise ValidationError(
                {
                    "amount": f"金额{yuan(value)}超出{TIER_LABELS[body]}的审批权限，"
                    f"须由{decision.label}决定" + (f"（{'；'.join(reasons)}）" if reasons else "")
                }
            )
        grant = EmergencyGrant.objects.create(
            case=case,
            body=body,
            kind=kind,
            description=description,
            amount=value,
            granted_at=granted_at,
            granted_by=actor,
            cause=emergency.cause,
            id_number=emergency.id_number,
            year=year,
            to_bank=kind == GrantKind.CASH and body != GrantBody.VILLAGE,
            tier_reasons="；".join(decision.reasons)[:300],
        )
        total = EmergencyGrant.objects.filter(case=case).aggregate(s=Sum("amount"))["s"]
        Case.objects.filter(pk=case.pk).update(monthly_amount=total, updated_at=now)
        first = emergency.helped_at is None
        if first:
            emergency.helped_at = granted_at
            emergency.save(update_fields=["helped_at"])
            clock = CaseClock.objects.select_for_update().filter(case=case).first()
            if clock is not None and clock.step_kind == "emergency_help":
                clock_set_step(
                    clock,
                    kind="emergency_file",
                    start=timezone.localdate(granted_at),
                    workdays=int(policy.emergency_paperwork_wd),
                    today=timezone.localdate(),
                )
                clock.updated_at = now
                clock.save()
        case_log_event(
            case=case,
            name="emergency_grant",
            label="先行救助",
            actor=actor,
            roles=GRANT_ROLES,
            opinion=f"{grant.get_body_display()}{grant.get_kind_display()}{yuan(value)}：{description}",
            client_address=client_address,
            data={
                "grant_id": grant.pk,
                "body": body,
                "kind": kind,
                "amount": str(value),
                "granted_at": granted_at.isoformat(),
                "first": first,
            },
        )
        emergency_grant_recorded.send(sender=EmergencyGrant, grant=grant)
    return grant


# --- 支出型: the amount by the county's rule -------------------------------------------

AMOUNT_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)


def _money(raw: Any, field: str, errors: dict, *, required: str = "") -> Decimal | None:
    """A non-negative amount in yuan (at most two decimals), or None when left empty."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        if required:
            errors[field] = required
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        errors[field] = "金额须为数字（元）"
        return None
    if not value.is_finite():
        errors[field] = "金额须为数字（元）"
    elif value < 0:
        errors[field] = "金额不能为负数"
    elif value != value.quantize(Decimal("0.01")):
        errors[field] = "金额最多保留两位小数（分）"
    else:
        return value
    return None


def temporary_amount_compute(
    *,
    case: Case,
    actor: User,
    severity: str = "",
    expenditure: Any = None,
    other_aid: Any = None,
    note: str = "",
    on: datetime.date | None = None,
    client_address: str | None = None,
) -> AmountComputation:
    """支出型临时救助 ([G]): the amount by the county's rule in force on ``on`` (today) —
    ``temp_amount_rule``: a multiple of the monthly 低保 standard in force by the severity of
    the hardship, or (eligible expenditure − other aid) × ``temp_expenditure_ratio`` —
    stored with its explanation like 低保's (``AmountComputation``) and set as the case's
    amount (the ``amount_set`` guard reads it; the tier guard routes it). 急难型 amounts are
    the sum of its grants (``emergency_grant_create``)."""
    case_require_actor(
        case=case, actor=actor, roles=AMOUNT_ROLES, role_message="您的角色不能核定临时救助金额"
    )
    if case.workflow != WorkflowKind.TEMPORARY or case.is_emergency:
        raise ValidationError(
            "只有支出型临时救助按县(区)规则核定金额（急难型的金额为先行救助金额之和）"
        )
    if case.state not in EDITABLE_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能重新核定金额")
    on = on or timezone.localdate()
    policy = policy_for(case.township, on)
    rule = str(policy.temp_amount_rule)
    errors: dict[str, Any] = {}
    note = checked_text(note, 200, "note", errors)
    spent = aid = None
    monthly_standard = None
    standard_label = ""
    if rule == "standard_multiple":
        county = case.township.parent
        standard = (
            living_standard_in_force(county=county, area=case_area(case), on=on)
            if county is not None
            else None
        )
        if standard is not None:
            monthly_standard, standard_label = standard.amount, standard.label
    else:
        spent = _money(expenditure, "expenditure", errors, required="请填写合规自付支出金额")
        aid = _money(other_aid, "other_aid", errors) or Decimal("0")
    if errors:
        raise ValidationError(errors)
    result = compute_temporary_amount(
        policy=policy,
        monthly_standard=monthly_standard,
        severity=severity,
        expenditure=spent,
        other_aid=aid or Decimal("0"),
    )
    if result.amount <= 0:
        raise ValidationError({"expenditure": "扣除其他救助后没有需要临时救助的支出"})
    lines = list(result.lines)
    if standard_label:
        lines.insert(1, f"低保标准：{standard_label}")
    if note:
        lines.append(f"说明：{note}")
    lines.append(f"核定日期：{on:%Y-%m-%d}；计算方式和倍数/比例取自当日施行的县(区)政策。")
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("township").get(pk=case.pk)
        if case.state not in EDITABLE_STATES:
            raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能重新核定金额")
        computation = AmountComputation.objects.create(
            case=case,
            eligible=True,
            margin=False,
            monthly_amount=result.amount,
            steps=lines,
            standard_label=(standard_label or "支出型临时救助")[:200],
            computed_by=actor,
        )
        case.monthly_amount = result.amount
        case.save(update_fields=["monthly_amount", "updated_at"])
        case_log_event(
            case=case,
            name="temporary_amount",
            label="核定临时救助金额",
            actor=actor,
            roles=AMOUNT_ROLES,
            opinion=f"{yuan(result.amount)}（{lines[0]}）",
            client_address=client_address,
            data={"computation_id": computation.pk, "rule": rule, "amount": str(result.amount)},
        )
    return computation
