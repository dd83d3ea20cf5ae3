"""一门受理、协同办理 services: the county's contact list (the administrator), referrals
(转办) of a case's need to a department and the department's answer (the township's staff).
Bad input is refused in Chinese at the field; nothing is half-saved."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.access import case_require_actor
from cases.models import Case, Department, Referral
from cases.states import ENDED_STATES
from cases.workflow.services import case_log_event
from relief.models import Region, Role, User
from relief.parsing import checked_text
from relief.policy import Policy, policy_for

#: Who refers a need and records the answer: the township's window.
REFER_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
#: Who may record a department's answer.
ANSWER_ROLES = (*REFER_ROLES, Role.DEPARTMENT_OFFICER)


def need_kinds(policy: Policy) -> list[str]:
    """The county's list of needs another department answers (``referral_need_kinds``)."""
    raw = str(policy.referral_need_kinds)
    for sep in (",", "，", ";", "；"):
        raw = raw.replace(sep, "、")
    return [k.strip() for k in raw.split("、") if k.strip()]


def county_of(user: User) -> Region | None:
    region = user.region
    while region is not None and region.level != Region.Level.COUNTY:
        region = region.parent
    return region


def policy_for_county(county: Region | None) -> Policy:
    if county is None:
        return Policy.from_snapshot({})
    township = Region.objects.filter(parent=county, level=Region.Level.TOWNSHIP).first()
    return policy_for(township or county, timezone.localdate())


def department_save(*, actor: User, data: dict, department: Department | None = None) -> Department:
    """Add or change an entry of the actor's county's contact list (administrator only)."""
    if not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDenied("只有系统管理员可以维护转办部门")
    county = county_of(actor)
    if county is None:
        raise ValidationError("您的账号未归属任何县(区)")
    if department is not None and department.county_id != county.pk:
        raise PermissionDenied("不能修改其他县(区)的转办部门")
    errors: dict[str, Any] = {}
    name = checked_text(data.get("name"), 60, "name", errors, required="请填写部门名称")
    kind = str(data.get("need_kind") or "").strip()
    kinds = need_kinds(policy_for_county(county))
    if not kind:
        errors["need_kind"] = "请选择承办救助事项"
    elif kind not in kinds:
        errors["need_kind"] = f"承办救助事项须为：{'、'.join(kinds)}"
    contact = checked_text(data.get("contact_person"), 40, "contact_person", errors)
    phone = checked_text(data.get("phone"), 40, "phone", errors)
    if errors:
        raise ValidationError(errors)
    target = department or Department(county=county)
    target.name, target.need_kind = name, kind
    target.contact_person, target.phone = contact, phone
    target.active = bool(data.get("active", True))
    target.updated_at = timezone.now()
    members = list(data.get("members") or [])
    if any(not m.has_role(Role.DEPARTMENT_OFFICER) or county_of(m) != county for m in members):
        raise ValidationError({"members": "部门经办人须为本县(区)的协同部门经办人账号"})
    try:
        with transaction.atomic():
            target.save()
            if "members" in data:
                target.members.set(members)
    except IntegrityError:
        raise ValidationError({"name": "本县(区)已有同名部门承办该事项"})
    return target


def referral_create(
    *,
    case: Case,
    actor: User,
    need_kind: str,
    need: str,
    department: Any,
    client_address: str | None = None,
) -> Referral:
    """转办: record the need and send it to a department of the case's county."""
    case_require_actor(
        case=case, actor=actor, roles=REFER_ROLES, role_message="转办须由乡镇民政经办人登记"
    )
    if case.state in ENDED_STATES:
        raise ValidationError("案件已办结，不能再转办")
    errors: dict[str, Any] = {}
    kinds = need_kinds(
        case.policy if case.frozen_policy else policy_for_county(case.township.parent)
    )
    kind = str(need_kind or "").strip()
    if not kind:
        errors["need_kind"] = "请选择救助事项"
    elif kind not in kinds:
        errors["need_kind"] = f"救助事项须为：{'、'.join(kinds)}"
    need = checked_text(need, 300, "need", errors, required="请填写需求说明")
    raw_id = str(getattr(department, "pk", department) or "").strip()
    target = (
        Department.objects.filter(
            pk=int(raw_id), county_id=case.township.parent_id, active=True
        ).first()
        if raw_id.isdigit()
        else None
    )
    if target is None:
        errors["department"] = "请选择本县(区)在用的转办部门"
    if errors:
        raise ValidationError(errors)
    assert target is not None
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case, need_kind=kind, need=need, department=target, referred_by=actor
        )
        case_log_event(
            case=case,
            name="referral",
            label="转办",
            actor=actor,
            roles=REFER_ROLES,
            opinion=f"{kind}转{target.name}：{need}",
            client_address=client_address,
            data={"referral_id": referral.pk, "department_id": target.pk},
        )
    return referral


def referral_answer(
    *,
    referral: Referral,
    actor: User,
    answer: str,
    answered_on: Any,
    client_address: str | None = None,
) -> Referral:
    """The department's answer and its date, recorded by the township's window or by a user
    of the department the referral is addressed to (Role.DEPARTMENT_OFFICER, its county)."""
    case = referral.case
    if actor.has_role(Role.DEPARTMENT_OFFICER) and not actor.has_role(*REFER_ROLES):
        department = referral.department
        if not (
            department.county_id == getattr(county_of(actor), "pk", None)
            and department.members.filter(pk=actor.pk).exists()
        ):
            raise PermissionDenied("该转办不是发给您所在部门的")
    else:
        case_require_actor(
            case=case,
            actor=actor,
            roles=REFER_ROLES,
            role_message="部门答复须由乡镇民政经办人或承办部门登记",
        )
    errors: dict[str, Any] = {}
    answer = checked_text(answer, 300, "answer", errors, required="请填写部门答复")
    on = answered_on
    if isinstance(on, str):
        try:
            on = datetime.date.fromisoformat(on.strip())
        except ValueError:
            on = None
            errors["answered_on"] = "请填写答复日期（年-月-日）"
    if on is None and "answered_on" not in errors:
        errors["answered_on"] = "请填写答复日期"
    elif isinstance(on, datetime.date):
        if on > timezone.localdate():
            errors["answered_on"] = "答复日期不能晚于今天"
        elif on < timezone.localdate(referral.referred_at):
            errors["answered_on"] = "答复日期不能早于转办日期"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Referral.objects.select_for_update().get(pk=referral.pk)
        if locked.answered_on is not None:
            raise ValidationError("该转办已登记答复")
        locked.answer, locked.answered_on = answer, on
        locked.answer_recorded_by, locked.answer_recorded_at = actor, timezone.now()
        locked.save(
            update_fields=["answer", "answered_on", "answer_recorded_by", "answer_recorded_at"]
        )
        case_log_event(
            case=case,
            name="referral_answer",
            label="转办答复",
            actor=actor,
            roles=REFER_ROLES,
            opinion=f"{locked.department.name}（{on:%Y-%m-%d}）：{answer}",
            client_address=client_address,
            data={"referral_id": locked.pk},
        )
    return locked
