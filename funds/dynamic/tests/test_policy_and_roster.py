"""The review rules read policy settings, not constants (A Art.31: the schedule's intervals
and the working-age bounds; the death re-check period; the 渐退 maximum), 渐退 months on
the roster itself (lines during the schedule, none after it), and the written notice of a
suspension (its reasons and the right to re-examination, A Art.29, C Art.26)."""

from __future__ import annotations

import datetime
import io
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from cases.models import Case, CaseState, IncomeItem, Member
from cases.workflow.services import case_transition
from funds.dynamic.models import ReviewOutcome, ReviewTrigger
from funds.dynamic.services import (
    add_months,
    review_decide,
    review_interval,
    review_open,
    termination_notice_pdf,
)
from funds.recipients.tests.support import registered
from funds.rosters.models import RosterLine
from funds.rosters.services import roster_check, roster_compute, roster_lock, roster_run_start
from relief.policy import policy_for, policy_set

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _set(demo, key, value):
    policy_set(
        region=demo.county,
        key=key,
        raw_value=value,
        effective_from=timezone.localdate() - datetime.timedelta(days=1),
        actor=demo.user("admin"),
    )


def _to_decision(demo, review):
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


def test_the_schedule_follows_the_countys_settings(demo):
    today = timezone.localdate()
    worker = Member(
        name="张三",
        birth_date=datetime.date(today.year - 58, 1, 1),
        is_student=False,
        work_capacity=Member.WorkCapacity.FULL,
    )
    before = policy_for(demo.gushu, today)
    assert review_interval(members=[worker], policy=before, on=today)[0] == 6
    _set(demo, "review_months_stable", 24)
    _set(demo, "review_months_variable", 3)
    _set(demo, "review_work_age_max", 55)  # 58 is no longer of working age
    after = policy_for(demo.gushu, today)
    months, basis = review_interval(members=[worker], policy=after, on=today)
    assert (months, basis) == (24, "家庭收入相对稳定")
    assert review_interval(members=[worker], policy=after, on=today, irregular_income=True)[0] == 3


def test_the_death_re_check_period_is_the_setting(demo):
    _set(demo, "review_death_recheck_months", 2)
    died = timezone.localdate() - datetime.timedelta(days=4)
    review = review_open(
        recipient=registered(demo),
        actor=demo.user("clerk"),
        trigger=ReviewTrigger.DEATH,
        died_on=died,
    )
    assert review.due_on == add_months(died, 2)
    assert review.case.clock.overall_due == review.due_on


def test_the_phase_out_maximum_is_the_setting(demo):
    _set(demo, "phase_out_max_months", 3)
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    with pytest.raises(ValidationError) as err:
        review_decide(
            review=review, outcome=ReviewOutcome.PHASE_OUT, reasons="收入超标", phase_out_months=4
        )
    assert err.value.message_dict["phase_out_months"] == ["渐退期不能超过3个月（F §1(3)）"]
    review.refresh_from_db()
    assert review.outcome == "" and review.phase_out_months is None


def _roster_line(demo, recipient, month):
    """The recipient's line of ``month`` on its locked roster, prepared in that month (a
    roster is made at most one month ahead)."""
    with time_machine.travel(
        datetime.datetime.combine(month.replace(day=5), datetime.time(10), tzinfo=UTC),
        tick=False,
    ):
        return _locked_line(demo, recipient, month)


def _locked_line(demo, recipient, month):
    run = roster_run_start(
        township=recipient.township,
        month=month,
        assistance_type=recipient.assistance_type,
        actor=demo.user("clerk"),
    )
    roster_compute(run_id=run.pk)
    run.refresh_from_db()
    roster_check(run=run, actor=demo.user("clerk"))
    roster_lock(run=run, actor=demo.user("approver"))
    return RosterLine.objects.filter(run=run, recipient=recipient, month=month).first()


def test_the_roster_pays_the_phase_out_months_and_nothing_after(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(
        review=review, outcome=ReviewOutcome.PHASE_OUT, reasons="收入超过标准", phase_out_months=2
    )
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意渐退")
    review.refresh_from_db()
    assert review.phase_out.stop_month == _month(3)
    for offset in (1, 2):
        line = _roster_line(demo, recipient, _month(offset))
        assert line is not None and line.amount == Decimal("580.00"), offset
    assert _roster_line(demo, recipient, _month(3)) is None


def test_the_suspension_notice_states_reasons_and_the_right_to_re_examination(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(review=review, outcome=ReviewOutcome.SUSPEND, reasons="外出务工收入待核实")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意暂停")
    review.refresh_from_db()
    pdf = termination_notice_pdf(review=review)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "暂停救助通知书" in text and "外出务工收入待核实" in text
    assert f"自{_month(1).year}年{_month(1).month}月起暂停发放" in text
    assert "申请复查" in text
    assert "《社会救助暂行办法》第二十九条" in text and "《特困人员认定办法》第二十六条" in text
    assert "公示" not in text  # no 特困 posting for a 低保 suspension


def _suspension_notice_text(demo) -> str:
    review = review_open(
        recipient=registered(demo), actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(review=review, outcome=ReviewOutcome.SUSPEND, reasons="外出务工收入待核实")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意暂停")
    review.refresh_from_db()
    pdf = termination_notice_pdf(review=review)
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def test_the_notice_states_the_re_examination_period_of_the_reviews_snapshot(demo):
    assert "自收到本通知书之日起60日内" in _suspension_notice_text(demo)  # the default
    _set(demo, "review_reexamination_days", 90)
    text = _suspension_notice_text(demo)
    assert "自收到本通知书之日起90日内" in text and "60日" not in text


def test_a_later_change_of_the_period_leaves_an_opened_reviews_notice_alone(demo):
    review = review_open(
        recipient=registered(demo), actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    _set(demo, "review_reexamination_days", 30)  # after the review was opened
    review_decide(review=review, outcome=ReviewOutcome.SUSPEND, reasons="外出务工收入待核实")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意暂停")
    review.refresh_from_db()
    pdf = termination_notice_pdf(review=review)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    assert "之日起60日内" in text and "30日" not in text


@pytest.mark.parametrize(
    ("setting", "category", "months"),
    [
        ("none", IncomeItem.Category.BUSINESS, 12),
        ("business", IncomeItem.Category.BUSINESS, 6),
        ("business", IncomeItem.Category.WAGE, 12),
        ("wage_business", IncomeItem.Category.WAGE, 6),
    ],
)
def test_irregular_income_is_read_from_the_income_items_by_the_setting(
    demo, setting, category, months
):
    """A Art.31: which income makes a household's reviews half-yearly is the county's
    setting (none by default); the schedule reads the household's income items."""
    from funds.dynamic.services import has_irregular_income, review_schedule_refresh

    recipient = registered(demo)
    Member.objects.filter(household_id=recipient.household_id).update(
        work_capacity=Member.WorkCapacity.NONE
    )
    IncomeItem.objects.filter(household_id=recipient.household_id).delete()
    IncomeItem.objects.create(
        household_id=recipient.household_id,
        category=category,
        monthly_amount=Decimal("800"),
        description="种植收入" if category == IncomeItem.Category.BUSINESS else "务工",
    )
    _set(demo, "review_irregular_income", setting)
    policy = policy_for(recipient.township, timezone.localdate())
    assert has_irregular_income(household_id=recipient.household_id, policy=policy) is (months == 6)
    schedule = review_schedule_refresh(recipient=recipient, from_day=timezone.localdate())
    assert schedule.interval_months == months
    assert ("家庭收入不稳定" in schedule.basis) is (months == 6)
