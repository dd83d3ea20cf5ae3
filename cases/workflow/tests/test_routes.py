"""Every route of the case workflow (DOMAIN §4)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import CaseEvent, CaseState
from cases.notices.services import batches_close_due
from cases.workflow.services import (
    TransitionRefused,
    available_transitions,
    case_record_county_visit,
)
from cases.workflow.tests.helpers import (  # noqa: F401
    LONG_AGO,
    fast_passwords,
    go,
    make_case,
    post_notice,
)
from relief.delegation import delegation_change_status
from relief.models import Delegation
from relief.policy import policy_set

S = CaseState


def refused_reasons(case, name, user, opinion="同意"):
    with pytest.raises(TransitionRefused) as exc:
        go(case, name, user, opinion=opinion)
    return exc.value.messages


def to_review(case, clerk, *, verifier="verifier", notice_on=LONG_AGO):
    """Default policy (notice before confirmation, evaluation only on objection)."""
    go(case, "accept", clerk)
    go(case, "start_investigation", clerk)
    case.check_status = "returned"
    go(case, "finish_check", verifier)
    case.survey_status = "complete"
    assert go(case, "finish_investigation", clerk, on=notice_on) == S.PRE_NOTICE
    post_notice(case)
    assert go(case, "close_notice", clerk) == S.REVIEW
    case.monthly_amount = Decimal("420.00")


def test_delegated_township_confirms_and_pays_from_next_month(demo):
    case = make_case(demo.gushu)
    to_review(case, "clerk")
    assert go(case, "confirm", "approver", opinion="符合低保条件") == S.CONFIRMED
    assert case.route == "township" and case.decided_on == timezone.localdate()
    assert go(case, "start_payment", "clerk") == S.PAYING
    assert case.amount_from.day == 1 and case.amount_from > case.decided_on
    assert [e.transition for e in case.events.all()] == [
        "accept",
        "start_investigation",
        "finish_check",
        "finish_investigation",
        "notice_published",
        "close_notice",
        "confirm",
        "start_payment",
    ]


def test_township_without_delegation_must_refer_to_county_which_approves(demo):
    case = make_case(demo.wuxi)
    to_review(case, "clerk_wuxi")
    assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in refused_reasons(
        case, "confirm", "clerk_wuxi"
    )
    assert (
        go(case, "refer_to_county", "clerk_wuxi", opinion="经审核符合条件，报县审批")
        == S.COUNTY_REVIEW
    )
    assert go(case, "county_approve", "supervisor") == S.CONFIRMED
    assert case.route == "county" and case.decided_on


def test_delegated_township_cannot_refer_to_county(demo):
    case = make_case(demo.gushu)
    to_review(case, "clerk")
    assert "本乡镇已获得该救助类型的审核确认权，由乡镇直接确认" in refused_reasons(
        case, "refer_to_county", "approver"
    )


def test_partial_delegation_covers_dibao_but_not_tekun(demo):
    dibao = make_case(demo.huangchi)
    to_review(dibao, "clerk_huangchi")
    assert go(dibao, "confirm", "approver_huangchi") == S.CONFIRMED
    tekun = make_case(demo.huangchi, type_code="tekun_dispersed")
    to_review(tekun, "clerk_huangchi")
    assert go(tekun, "refer_to_county", "approver_huangchi") == S.COUNTY_REVIEW


def test_suspended_delegation_reroutes_new_decisions_to_county(demo):
    case = make_case(demo.gushu)
    to_review(case, "clerk")
    delegation = Delegation.objects.get(township=demo.gushu, assistance_type=case.assistance_type)
    delegation_change_status(
        delegation=delegation,
        status="suspended",
        effective_date=timezone.localdate(),
        reason="整改期间暂停",
        actor=demo.user("supervisor"),
    )
    assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in refused_reasons(
        case, "confirm", "approver"
    )
    assert go(case, "refer_to_county", "approver") == S.COUNTY_REVIEW


def test_county_refusal_records_reasons_and_county_can_return_for_supplement(demo):
    case = make_case(demo.wuxi)
    to_review(case, "clerk_wuxi")
    go(case, "refer_to_county", "clerk_wuxi")
    assert go(case, "county_return", "supervisor", opinion="请补充子女赡养能力调查") == S.VISITING
    assert case.survey_status == "draft"
    batches_close_due()  # the daily task ends the first batch (its case has moved on)
    case.survey_status = "complete"
    go(case, "finish_investigation", "clerk_wuxi", on=LONG_AGO)
    post_notice(case)
    go(case, "close_notice", "clerk_wuxi")
    go(case, "refer_to_county", "clerk_wuxi")
    assert go(case, "county_refuse", "supervisor", opinion="子女有赡养能力") == S.REFUSED
    assert case.refusal_reasons == "子女有赡养能力" and case.decided_on


def test_seed_002_variant_runs_parallel_without_evaluation_and_notices_after_confirmation(demo):
    case = make_case(demo.shiqiao)
    go(case, "accept", "clerk_shiqiao")
    assert go(case, "start_investigation", "clerk_shiqiao") == S.INVESTIGATING
    case.survey_status = "complete"
    assert "核对报告尚未返回" in refused_reasons(case, "finish_investigation", "clerk_shiqiao")
    case.check_status = "returned"
    assert go(case, "finish_investigation", "clerk_shiqiao") == S.REVIEW
    case.monthly_amount = Decimal("300")
    assert go(case, "confirm", "approver_shiqiao") == S.CONFIRMED
    assert "按政策确认后须先进行结果公示" in refused_reasons(case, "start_payment", "clerk_shiqiao")
    assert go(case, "publish_result", "clerk_shiqiao", on=LONG_AGO) == S.RESULT_NOTICE
    assert case.notice_started_on == LONG_AGO
    assert "须在公示批次中公示期满后方可办理（请先发布公示批次）" in refused_reasons(
        case, "close_result_notice", "clerk_shiqiao"
    )
    post_notice(case)
    assert go(case, "close_result_notice", "clerk_shiqiao") == S.PAYING


def test_evaluation_always_comes_before_the_notice(demo):
    policy_set(
        region=demo.gushu,
        key="evaluation_mode",
        raw_value="always",
        effective_from=datetime.date(2020, 1, 1),
        actor=None,
    )
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.check_status, case.survey_status = "returned", "complete"
    go(case, "finish_check", "verifier")
    assert go(case, "finish_investigation", "clerk") == S.EVALUATING
    assert go(case, "finish_evaluation", "clerk", opinion="评议通过") == S.PRE_NOTICE


def test_route_follows_the_snapshot_taken_at_acceptance(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    policy_set(
        region=demo.gushu,
        key="parallel_check_visit",
        raw_value=True,
        effective_from=datetime.date(2020, 1, 1),
        actor=None,
    )
    assert go(case, "start_investigation", "clerk") == S.CHECKING


def test_notice_cannot_close_before_its_period_is_over(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.check_status, case.survey_status = "returned", "complete"
    go(case, "finish_check", "verifier")
    go(case, "finish_investigation", "clerk")
    assert case.notice_started_on == timezone.localdate()
    assert "公示期未满（7天）" in refused_reasons(case, "close_notice", "clerk")


def test_approver_returns_case_for_supplementary_investigation(demo):
    case = make_case(demo.gushu)
    to_review(case, "clerk")
    assert go(case, "return_for_investigation", "approver", opinion="补充收入证明") == S.VISITING
    assert "入户调查尚未完成（需至少两名调查人签字）" in refused_reasons(
        case, "finish_investigation", "clerk"
    )


def test_township_refuses_with_reasons_after_plainly_ineligible_check(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    assert "请填写意见" in refused_reasons(case, "refuse", "approver", opinion="")
    assert go(case, "refuse", "approver", opinion="家庭存款超过规定标准") == S.REFUSED
    assert case.refusal_reasons == "家庭存款超过规定标准"
    assert case.decided_on == timezone.localdate()


def test_township_without_power_cannot_refuse_itself(demo):
    case = make_case(demo.wuxi)
    go(case, "accept", "clerk_wuxi")
    go(case, "start_investigation", "clerk_wuxi")
    assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in refused_reasons(
        case, "refuse", "clerk_wuxi"
    )


def test_applicant_withdraws_before_decision(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    assert go(case, "withdraw", "clerk", opinion="申请人书面申请撤回") == S.WITHDRAWN


def test_household_not_cooperating_terminates_case(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    assert go(case, "terminate", "clerk", opinion="拒绝配合入户调查") == S.TERMINATED


def test_objection_during_pre_notice_leads_to_evaluation_and_a_new_notice(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.check_status, case.survey_status = "returned", "complete"
    go(case, "finish_check", "verifier")
    go(case, "finish_investigation", "clerk", on=LONG_AGO)
    assert go(case, "raise_objection", "clerk", opinion="村民反映有经营收入") == S.OBJECTION
    # The action says what it means and where it leads (here: the evaluation, not a notice).
    option = next(
        o
        for o in available_transitions(case=case, user=demo.user("clerk"))
        if o.name == "finish_reinvestigation"
    )
    assert option.label == "异议不成立，继续办理" and option.target_label == "民主评议"
    assert go(case, "finish_reinvestigation", "clerk", opinion="经复查无经营收入") == S.EVALUATING
    assert go(case, "finish_evaluation", "clerk", opinion="评议通过") == S.PRE_NOTICE
    assert case.notice_started_on == timezone.localdate()  # the new notice runs its full period


def test_objection_upheld_before_decision_refuses(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.check_status, case.survey_status = "returned", "complete"
    go(case, "finish_check", "verifier")
    go(case, "finish_investigation", "clerk")
    go(case, "raise_objection", "clerk", opinion="有经营收入")
    assert (
        go(case, "uphold_objection", "approver", opinion="经复查有经营收入，不符合条件")
        == S.REFUSED
    )
    assert case.refusal_reasons == "经复查有经营收入，不符合条件"


def shiqiao_in_result_notice(demo, **kwargs):
    case = make_case(demo.shiqiao, **kwargs)
    go(case, "accept", "clerk_shiqiao")
    go(case, "start_investigation", "clerk_shiqiao")
    case.check_status, case.survey_status, case.monthly_amount = (
        "returned",
        "complete",
        Decimal("300"),
    )
    go(case, "finish_investigation", "clerk_shiqiao")
    go(case, "confirm", "approver_shiqiao")
    go(case, "publish_result", "clerk_shiqiao")
    return case


def test_objection_during_result_notice_leads_to_a_new_result_notice_or_revocation(demo):
    kept = shiqiao_in_result_notice(demo)
    go(kept, "raise_objection", "clerk_shiqiao", opinion="有人反映")
    assert "案件已作出确认决定，不能撤回或终止；如需停止救助请由县级依法纠正" in refused_reasons(
        kept, "withdraw", "clerk_shiqiao"
    )
    assert (
        go(kept, "finish_reinvestigation", "supervisor", opinion="县级复查异议不成立")
        == S.RESULT_NOTICE
    )

    revoked = shiqiao_in_result_notice(demo)
    go(revoked, "raise_objection", "clerk_shiqiao", opinion="有人反映")
    assert go(revoked, "uphold_objection", "approver_shiqiao", opinion="复查属实") == S.REVOKED


def test_objection_on_a_county_approved_case_is_decided_by_the_county(demo):
    policy_set(
        region=demo.wuxi,
        key="notice_timing",
        raw_value="after",
        effective_from=datetime.date(2020, 1, 1),
        actor=None,
    )
    case = make_case(demo.wuxi)
    go(case, "accept", "clerk_wuxi")
    go(case, "start_investigation", "clerk_wuxi")
    case.check_status, case.survey_status, case.monthly_amount = (
        "returned",
        "complete",
        Decimal("300"),
    )
    go(case, "finish_check", "verifier")
    assert go(case, "finish_investigation", "clerk_wuxi") == S.REVIEW
    go(case, "refer_to_county", "clerk_wuxi")
    go(case, "county_approve", "supervisor")
    go(case, "publish_result", "clerk_wuxi")
    go(case, "raise_objection", "clerk_wuxi", opinion="有人反映")
    assert "本案由县级审批，异议成立须由县民政局决定" in refused_reasons(
        case, "uphold_objection", "clerk_wuxi"
    )
    assert go(case, "county_uphold_objection", "supervisor", opinion="复查属实") == S.REVOKED


def test_county_revokes_a_case_in_payment(demo):
    case = make_case(demo.gushu)
    to_review(case, "clerk")
    go(case, "confirm", "approver")
    go(case, "start_payment", "clerk")
    assert go(case, "county_revoke", "supervisor", opinion="隐瞒收入，依法纠正") == S.REVOKED


def test_temporary_assistance_takes_the_short_route(demo):
    case = make_case(demo.gushu, type_code="temp_expense")
    go(case, "accept", "clerk")
    assert go(case, "start_investigation", "clerk") == S.VISITING
    case.survey_status = "complete"
    assert go(case, "finish_investigation", "clerk") == S.REVIEW
    assert "救助金额尚未核定" in refused_reasons(case, "confirm", "approver")
    case.monthly_amount = Decimal("800")
    assert go(case, "confirm", "approver") == S.CONFIRMED
    assert "本类救助不进行结果公示" in refused_reasons(case, "publish_result", "clerk")
    assert go(case, "start_payment", "clerk") == S.PAYING


def test_temporary_assistance_above_the_cap_goes_to_the_county(demo):
    case = make_case(demo.gushu, type_code="temp_expense")
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.survey_status, case.monthly_amount = "complete", Decimal("5000")
    go(case, "finish_investigation", "clerk")
    assert (
        "临时救助金额5000元须报县审批：村镇合计5,000.00元超过村镇审批上限3,000.00元"
        in refused_reasons(case, "confirm", "approver")
    )
    assert go(case, "refer_to_county", "approver") == S.COUNTY_REVIEW


def test_tekun_needs_its_amount_and_uses_its_own_limits(demo):
    case = make_case(demo.gushu, type_code="tekun_dispersed")
    to_review(case, "clerk")
    case.monthly_amount = None
    assert "救助金额尚未核定" in refused_reasons(case, "confirm", "approver")
    # 特困: township 15 wd + county 15 wd (C Art.13, 16), from the policy snapshot.
    assert case.clock.limit_wd == case.policy.tekun_township_wd + case.policy.tekun_county_wd == 30


def test_dibao_limits_follow_the_route(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    assert case.clock.limit_wd == 20
    county_case = make_case(demo.wuxi)
    go(county_case, "accept", "clerk_wuxi")
    assert county_case.clock.limit_wd == 30


def test_near_relative_case_needs_the_county_visit_before_confirmation(demo):
    case = make_case(demo.gushu, near_relative_flag=True)
    to_review(case, "clerk")
    assert "近亲属备案案件须经县级入户核查后方可确认" in refused_reasons(
        case, "confirm", "approver"
    )
    with pytest.raises(TransitionRefused):
        case_record_county_visit(case=case, actor=demo.user("clerk"), opinion="已入户")
    event = case_record_county_visit(
        case=case,
        actor=demo.user("supervisor"),
        opinion="县级入户核查，情况属实",
        client_address="10.0.0.8",
    )
    assert event.source_state == event.target_state == S.REVIEW
    assert event.actor_role == "county_supervisor" and event.client_address == "10.0.0.8"
    case.refresh_from_db()
    assert case.county_visit_done
    case.monthly_amount = Decimal("420.00")
    assert go(case, "confirm", "approver") == S.CONFIRMED


def test_complaint_case_needs_the_county_visit_too(demo):
    case = make_case(demo.wuxi, complaint_flag=True)
    to_review(case, "clerk_wuxi")
    go(case, "refer_to_county", "clerk_wuxi")
    assert "案件有投诉举报，须经县级入户核查后方可确认" in refused_reasons(
        case, "county_approve", "supervisor"
    )


def test_county_visit_cannot_be_recorded_for_an_unflagged_case_or_twice(demo):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk")
    with pytest.raises(TransitionRefused) as exc:
        case_record_county_visit(case=case, actor=demo.user("supervisor"), opinion="入户")
    assert "案件无需县级入户核查（非近亲属备案、无投诉举报）" in exc.value.messages
    flagged = make_case(demo.gushu, complaint_flag=True)
    go(flagged, "accept", "clerk")
    case_record_county_visit(case=flagged, actor=demo.user("supervisor"), opinion="入户")
    with pytest.raises(TransitionRefused) as exc:
        case_record_county_visit(case=flagged, actor=demo.user("supervisor"), opinion="再次入户")
    assert "县级入户核查已记录" in exc.value.messages
    assert CaseEvent.objects.filter(case=flagged, transition="record_county_visit").count() == 1


def test_available_transitions_predict_the_target_state(demo):
    case = make_case(demo.shiqiao)
    go(case, "accept", "clerk_shiqiao")
    options = {o.name: o for o in available_transitions(case=case, user=demo.user("clerk_shiqiao"))}
    assert options["start_investigation"].target == S.INVESTIGATING
    assert options["start_investigation"].target_label == "核对与入户(并行)"
