"""特困 assessment and the eligibility and monthly amount computation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.access import case_require_actor
from cases.intake import idnumbers
from cases.intake.services.common import (
    _bool,
    _policy_for_case,
    _save_case,
    _today,
)
from cases.intake.services.household import _editable_case
from cases.models import (
    AmountComputation,
    Case,
    EconomicCheck,
    IncomeItem,
    Member,
    Spending,
    TekunAssessment,
)
from cases.rules import case_area
from cases.states import EDITABLE_STATES, WorkflowKind
from funds.standards import calculators as calc
from funds.standards.selectors import (
    bands_in_force,
    living_standard_in_force,
    tekun_standards_in_force,
)
from relief.models import Role, User
from relief.policy import policy_for


@transaction.atomic
def tekun_assessment_save(*, case: Case, actor: User, data: dict) -> TekunAssessment:
    """The six-item self-care assessment and the supporter condition (C Art.8, 21–22)."""
    case_require_actor(case=case, actor=actor, roles=(Role.TOWNSHIP_CLERK,))
    _editable_case(case, actor)
    if case.assistance_type.workflow != WorkflowKind.TEKUN:
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


@dataclass
class AmountResult:
    eligible: bool
    margin: bool
    amount: Decimal | None
    steps: list[str]
    standard_label: str


def case_compute_amount(
    *, case: Case, actor: User, on: datetime.date | None = None, automatic: bool = False
) -> AmountComputation:
    """Eligibility and monthly amount with the standard in force on ``on`` (today), stored
    with its step-by-step explanation; sets ``case.monthly_amount`` (the ``confirm`` guard
    ``amount_set`` reads it for 低保)."""

    if not automatic:
        # ``automatic``: run by the system when the survey and check are in, whoever
        # finished the last of them (e.g. the village assistant completing the survey).
        case_require_actor(
            case=case,
            actor=actor,
            roles=(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER),
            role_message="您的角色不能核算救助金额",
        )
    if case.state not in EDITABLE_STATES:
        raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能重新核算金额")
    result = case_amount_result(case=case, on=on or _today())
    with transaction.atomic():
        computation = AmountComputation.objects.create(
            case=case,
            eligible=result.eligible,
            margin=result.margin,
            monthly_amount=result.amount,
            steps=result.steps,
            standard_label=result.standard_label[:200],
            computed_by=actor,
        )
        case.monthly_amount = result.amount if result.eligible else None
        _save_case(case, "monthly_amount")
    return computation


def case_amount_result(*, case: Case, on: datetime.date) -> AmountResult:
    """The eligibility and monthly amount of ``case`` with the standards in force on ``on``,
    from the household facts on file, without storing anything: ``case_compute_amount``
    stores it, and a standard raise (调标) re-runs it for its effective month. 低保 amounts
    include the county's 分类施保 add-ons in force on ``on``."""
    policy = _policy_for_case(case)
    county = case.township.parent
    if county is None:
        raise ValidationError(f"{case.township.name}未归属任何县(区)，无法确定救助标准")
    area = case_area(case)
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
    if workflow == WorkflowKind.DIBAO:
        standard = living_standard_in_force(county=county, area=area, on=on)
        if standard is None:
            raise ValidationError(
                f"{county.name}尚未设置{on:%Y-%m-%d}适用的"
                f"{'城市' if area == 'urban' else '农村'}低保标准"
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
        with_addons = _with_addons(case, members, result, standard, on, rounding, method)
        steps = list(result.steps)
        check = case.economic_checks.filter(status=EconomicCheck.Status.RETURNED).first()
        if check is not None:
            reported = sum((r.monthly_income for r in check.member_results.all()), Decimal("0"))
            steps.append(
                # The report's Beijing date: returned_at is stored in UTC.
                f"参考：核对报告（{timezone.localtime(check.returned_at):%Y-%m-%d}）"
                f"所列成员月收入合计 {calc.yuan(reported)}。"
            )
        eligible, margin, amount, label = (
            result.eligible,
            result.margin,
            with_addons,
            standard.label,
        )
    elif workflow == WorkflowKind.TEKUN:
        standards = tekun_standards_in_force(county=county, area=area, on=on)
        if standards is None:
            raise ValidationError(f"{county.name}尚未设置{on:%Y-%m-%d}适用的特困供养标准")
        assessment = getattr(case, "tekun_assessment", None)
        if assessment is None:
            raise ValidationError("请先完成特困生活自理能力评估")
        person = case.applicant
        if person is None:
            raise ValidationError("请先登记申请人")
        tekun = calc.compute_tekun(
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
            tekun.steps,
            tekun.eligible,
            False,
            tekun.amount,
            standards.label,
        )
    else:
        raise ValidationError("该救助类型不适用自动核算，请按临时救助规定确定金额")
    steps.append(
        f"核算日期：{on:%Y-%m-%d}；"
        f"金额取整规则取自{'受理时政策' if case.frozen_policy else '当前政策'}。"
    )
    return AmountResult(eligible, margin, amount, steps, label)


def _with_addons(
    case: Case,
    members: list[Member],
    result: calc.DibaoResult,
    standard: Any,
    on: datetime.date,
    rounding: str,
    method: str,
) -> Decimal | None:
    """分类施保 for the covered members (单人保: the members covered alone), settings in
    force on ``on`` (they are money standards, like the standard itself); steps appended."""
    if not result.eligible or result.amount is None:
        return result.amount
    covered = [
        m
        for m in members
        if m.covered
        and (
            not result.single_person
            or bool(m.serious_illness)
            or (m.disability_grade is not None and m.disability_grade <= 2)
        )
    ]
    in_force = policy_for(case.township, on)
    rules = calc.AddonRules(
        basis=in_force.addon_basis,
        combine=in_force.addon_combine,
        elderly=in_force.addon_elderly,
        elderly_age=in_force.addon_elderly_age,
        disabled_severe=in_force.addon_disabled_severe,
        disabled_other=in_force.addon_disabled_other,
        serious_illness=in_force.addon_serious_illness,
        minor=in_force.addon_minor,
        minor_age=in_force.addon_minor_age,
    )
    extra, addon_steps = calc.category_addons(
        members=[
            calc.AddonFacts(
                name=m.name,
                age=idnumbers.age_on(m.birth_date, on),
                disability_grade=m.disability_grade,
                seriously_ill=bool(m.serious_illness),
            )
            for m in covered
        ],
        rules=rules,
        standard=standard.amount,
        rounding=rounding,
        rounding_method=method,
    )
    if not extra:
        return result.amount
    total = result.amount + extra
    result.steps.extend(addon_steps)
    result.steps.append(
        f"月保障金 = {calc.yuan(result.amount)} + 分类施保 {calc.yuan(extra)} "
        f"= {calc.yuan(total)}。"
    )
    return total


def _auto_compute(case: Case, actor: User) -> None:
    """Compute the amount once both the survey and the check (if on the route) are in."""
    if case.assistance_type.workflow not in (WorkflowKind.DIBAO, WorkflowKind.TEKUN):
        return
    if case.survey_status != "complete" or (
        not case.skips("check") and case.check_status != "returned"
    ):
        return
    try:
        with transaction.atomic():
            case_compute_amount(case=case, actor=actor, automatic=True)
    except ValidationError:
        # Missing standard or assessment: the clerk computes from the case page later.
        pass
