"""Transition guards: each returns True when the transition may proceed and carries a
``reason`` a clerk can read when it may not. Declared on Case transitions as
``conditions``; cases/workflow/services.py reports the failing reasons to the user."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone

from cases.notices.models import BatchState, NoticeEntry, NoticeKind, Objection
from cases.rules import duplicate_reason, unresolved_duplicates
from cases.states import CaseState, WorkflowKind
from cases.temporary.rules import COUNTY, TIER_ORDER, TierDecision, tier_for
from relief.delegation import holds_power


def guard(reason: str | Callable) -> Callable:
    def decorate(func: Callable) -> Callable:
        func.reason = reason
        return func

    return decorate


def reason_of(func: Callable, case) -> str:
    reason = getattr(func, "reason", func.__name__)
    return reason(case) if callable(reason) else reason


def _today() -> datetime.date:
    return timezone.localdate()


def _applicant_reason(case) -> str:
    emergency = (
        getattr(case, "emergency", None) if case.workflow == WorkflowKind.TEMPORARY else None
    )
    if emergency is not None and emergency.identity_pending:
        return "当事人身份待核：请先核实并登记身份证号"
    return "申请家庭尚未登记申请人"


@guard(_applicant_reason)
def has_applicant(case) -> bool:
    return case.applicant_id is not None


@guard("申请材料不齐全，请先出具一次性告知书")
def documents_complete(case) -> bool:
    return case.documents_complete


def _duplicate_reason(case) -> str:
    return duplicate_reason(case) or "申请家庭成员已有同类救助的在办案件"


@guard(_duplicate_reason)
def no_duplicate_open_case(case) -> bool:
    """A person is in at most one open case of an assistance category in the county, unless a
    county supervisor let this case go on beside the other (a signed override); the reason
    names the township holding the other case (cases/rules.py)."""

    return not unresolved_duplicates(case)


@guard("核对报告尚未返回")
def check_returned(case) -> bool:
    return case.check_status == "returned"


@guard("核对报告尚未返回")
def check_returned_unless_short(case) -> bool:
    return case.skips("check") or case.check_status == "returned"


@guard("入户调查尚未完成（需至少两名调查人签字）")
def survey_complete(case) -> bool:
    return case.survey_status == "complete"


def _needs_county_visit(case) -> bool:
    return case.near_relative_flag or case.complaint_flag


@guard(
    lambda case: (
        "近亲属备案案件须经县级入户核查后方可确认"
        if case.near_relative_flag
        else "案件有投诉举报，须经县级入户核查后方可确认"
    )
)
def county_visit_done_if_required(case) -> bool:
    """A Art.11, Art.20: near-relative cases and cases with complaints need the county's visit."""
    return not _needs_county_visit(case) or case.county_visit_done


@guard(lambda case: f"公示期未满（{case.policy.notice_days}天）")
def notice_period_over(case) -> bool:
    if case.notice_started_on is None:
        return False
    return _today() >= case.notice_started_on + datetime.timedelta(days=case.policy.notice_days)


@guard("须在公示批次中公示期满后方可办理（请先发布公示批次）")
def notice_ran_in_batch(case) -> bool:
    """The notice was really posted (cases.notices): the case is in a published batch of
    the notice it waits for whose period is over (closed by the daily task, or its last day
    passed), published for this round of the notice, and its household there met no
    objection. A withdrawn or draft batch never counts, nor a date set on entering the
    state."""
    kind = NoticeKind.PRE if case.state == CaseState.PRE_NOTICE else NoticeKind.RESULT
    entries = NoticeEntry.objects.filter(
        case_id=case.pk,
        outcome="",
        batch__kind=kind,
        batch__state__in=(BatchState.PUBLISHED, BatchState.CLOSED),
    ).select_related("batch")
    today = _today()
    for entry in entries:
        batch = entry.batch
        # The batch whose publication dated this notice (batch_publish sets the date; a
        # batch of an earlier notice, before an objection or a return, does not count).
        if batch.starts_on != case.notice_started_on:
            continue
        if batch.state == BatchState.PUBLISHED and batch.closes_on > today:
            continue
        objected = Objection.objects.filter(
            batch=batch, case_id=case.pk, is_complaint=False, status=Objection.Status.OPEN
        ).exists()
        if not objected:
            return True
    return False


def _holds_power(case) -> bool:
    return holds_power(case.township, case.assistance_type, _today())


@guard("本乡镇当前未获得该救助类型的审核确认权，须报县审批")
def township_holds_power(case) -> bool:
    """relief.delegation.holds_power on the decision date (a suspension re-routes new
    decisions only, DOMAIN §6)."""
    return _holds_power(case)


def temporary_tier(case) -> TierDecision | None:
    """The body that decides a 临时救助 case, with the reasons that pushed it up a tier (the
    case page shows it; ``within_township_cap`` refuses the township past it); None before an
    amount is set or for another workflow."""
    return _temporary_tier(case)


def _temporary_tier(case) -> TierDecision | None:
    if case.workflow != WorkflowKind.TEMPORARY or case.monthly_amount is None:
        return None
    # 急难型: the amount is the sum of the grants made first, each already refused above its
    # body's tier (cases.temporary.services); the highest body that granted decides.
    bodies = set(case.emergency_grants.values_list("body", flat=True)) if case.pk else set()
    if bodies:
        tier = max(bodies, key=TIER_ORDER.index)
        why = ("先行救助已由县民政局批准",) if tier == COUNTY else ()
        return TierDecision(tier=tier, reasons=why)
    from cases.temporary.yearly import year_figures  # cases.models imports this module

    figures = year_figures(case, year=_today().year) if case.pk else {}
    return tier_for(
        amount=case.monthly_amount,
        policy=case.policy,
        small_only=bool(case.policy.temp_delegation_small_only),
        year_total=figures.get("total", Decimal("0")),
        same_cause_count=figures.get("same_cause_count", 0),
    )


def _over_township_cap(case) -> bool:
    decision = _temporary_tier(case)
    return decision is not None and decision.tier == COUNTY


def _over_cap_reason(case) -> str:
    decision = _temporary_tier(case)
    why = "；".join(decision.reasons) if decision else ""
    return f"临时救助金额{case.monthly_amount}元须报县审批：{why}"


@guard(_over_cap_reason)
def within_township_cap(case) -> bool:
    """Seed 004: temporary assistance above the township's tier goes to the county (seed 001:
    above the 小额 limit when the township holds the power for small amounts only; [G]: past
    the household's yearly cumulative cap or same-cause limit, counted by
    cases.temporary.yearly.year_figures)."""
    return not _over_township_cap(case)


@guard("本乡镇已获得该救助类型的审核确认权，由乡镇直接确认")
def township_must_refer(case) -> bool:
    return not _holds_power(case) or _over_township_cap(case)


@guard(
    lambda case: (
        "本案由县级审批，异议成立须由县民政局决定"
        if case.route == "county"
        else "本乡镇当前未获得该救助类型的审核确认权，异议成立须由县民政局决定"
    )
)
def township_decides_objection(case) -> bool:
    return case.route != "county" and _holds_power(case)


@guard("当事人身份待核：请先核实并登记身份证号，再办结（确认）")
def identity_known(case) -> bool:
    """急难型 may be registered without an identity (身份待核, cases.temporary); the file
    cannot be completed until the ID number is known."""
    if case.workflow != WorkflowKind.TEMPORARY:
        return True
    emergency = getattr(case, "emergency", None)
    return emergency is None or not emergency.identity_pending


@guard("救助金额尚未核定")
def amount_set(case) -> bool:
    """低保 and 特困 are confirmed with their monthly amount (A Art.23; C Art.21–22), 临时救助
    with the amount granted ([G]: no confirmation without an amount)."""
    return case.monthly_amount is not None or case.workflow not in (
        WorkflowKind.DIBAO,
        WorkflowKind.TEKUN,
        WorkflowKind.TEMPORARY,
    )


@guard("该救助类型按政策不进行民主评议")
def evaluation_possible(case) -> bool:
    return case.policy.evaluation_mode != "never"


@guard(
    lambda case: (
        "本类救助不进行结果公示" if case.skips("notice") else "按政策已在确认前公示，无需结果公示"
    )
)
def notice_after_confirmation(case) -> bool:
    return not case.skips("notice") and case.policy.notice_timing == "after"


@guard("按政策确认后须先进行结果公示")
def no_result_notice(case) -> bool:
    return case.skips("notice") or case.policy.notice_timing == "before"


@guard("复核案件的决定直接变更在册对象，无需纳入发放")
def not_a_review(case) -> bool:
    return case.purpose != case.Purpose.REVIEW


@guard("案件已作出确认决定，不能撤回或终止；如需停止救助请由县级依法纠正")
def not_decided(case) -> bool:
    return not case.is_decided


@guard("案件无需县级入户核查（非近亲属备案、无投诉举报）")
def county_visit_required(case) -> bool:
    return _needs_county_visit(case)


@guard("县级入户核查已记录")
def county_visit_pending(case) -> bool:
    return not case.county_visit_done
