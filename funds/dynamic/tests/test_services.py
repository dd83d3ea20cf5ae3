"""动态管理: schedule selection, death re-check, the review's decision on the register, 渐退
months, bad input, a campaign in batches."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from cases.models import Case, CaseState, Member
from cases.workflow.services import case_transition
from funds.dynamic.models import ReviewCase, ReviewOutcome, ReviewSchedule, ReviewTrigger
from funds.dynamic.services import (
    add_months,
    review_campaign_open,
    review_decide,
    review_interval,
    review_open,
    review_schedule_refresh,
)
from funds.recipients.models import Recipient, RecipientStatus
from funds.recipients.selectors import state_for_month
from funds.recipients.tests.support import registered
from relief.policy import policy_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 5, 12)


def _month(offset: int) -> datetime.date:
    """The 1st of the month ``offset`` months from today's month."""
    return add_months(timezone.localdate().replace(day=1), offset)


def _member(**kw):
    values = {
        "name": "张三",
        "birth_date": datetime.date(1990, 1, 1),
        "is_student": False,
        "work_capacity": Member.WorkCapacity.FULL,
    }
    values.update(kw)
    return Member(**values)


def test_a_working_age_member_able_to_work_means_half_yearly_reviews(demo):
    policy = policy_for(demo.gushu, TODAY)
    months, basis = review_interval(members=[_member()], policy=policy, on=TODAY)
    assert months == 6 and "张三" in basis


def test_elderly_or_unable_members_mean_yearly_reviews(demo):
    policy = policy_for(demo.gushu, TODAY)
    members = [
        _member(birth_date=datetime.date(1950, 1, 1)),
        _member(work_capacity=Member.WorkCapacity.NONE),
        _member(birth_date=datetime.date(2015, 1, 1)),
    ]
    assert review_interval(members=members, policy=policy, on=TODAY)[0] == 12
    assert review_interval(members=members, policy=policy, on=TODAY, irregular_income=True)[0] == 6


def test_registration_sets_the_schedule(demo):
    recipient = registered(demo)
    schedule = review_schedule_refresh(recipient=recipient, from_day=TODAY)
    assert schedule.next_due in (datetime.date(2026, 11, 12), datetime.date(2027, 5, 12))
    assert ReviewSchedule.objects.get(recipient=recipient).interval_months in (6, 12)


def test_a_death_opens_a_review_due_within_three_months_of_the_death(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient,
        actor=demo.user("clerk"),
        trigger=ReviewTrigger.DEATH,
        died_on=timezone.localdate() - datetime.timedelta(days=9),
    )
    died = timezone.localdate() - datetime.timedelta(days=9)
    assert review.due_on == add_months(died, 3)
    assert review.case.clock.overall_due == review.due_on
    assert review.case.purpose == Case.Purpose.REVIEW and review.case.state == CaseState.ACCEPTED


def test_a_death_date_in_the_future_is_refused_and_nothing_is_saved(demo):
    recipient = registered(demo)
    with pytest.raises(ValidationError) as err:
        review_open(
            recipient=recipient,
            actor=demo.user("clerk"),
            trigger=ReviewTrigger.DEATH,
            died_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "死亡日期不能晚于今天" in str(err.value)
    assert not ReviewCase.objects.exists()


def test_opening_a_review_is_signed_in_the_case_log_and_refused_outside_the_region(demo):
    recipient = registered(demo)
    with pytest.raises(Http404):
        review_open(
            recipient=recipient, actor=demo.user("clerk_huangchi"), trigger=ReviewTrigger.INCOME
        )
    with pytest.raises(PermissionDenied):
        review_open(recipient=recipient, actor=demo.user("approver"), trigger=ReviewTrigger.INCOME)
    assert not ReviewCase.objects.exists()
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME, note="增收"
    )
    (event,) = review.case.events.all()
    assert (event.transition, event.label, event.actor) == (
        "open_review",
        "启动复核",
        demo.user("clerk"),
    )
    assert "增收" in event.opinion and event.hash


def test_a_decided_review_offers_no_payment_step(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CONFIRMED, decided_on=timezone.localdate()
    )
    case.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        case_transition(case=case, name="start_payment", actor=demo.user("clerk"))
    assert "无需纳入发放" in str(err.value)


def _to_decision(demo, review):
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.state == CaseState.VISITING
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


def test_a_reduced_amount_decided_by_the_approver_is_paid_from_next_month(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(
        review=review,
        outcome=ReviewOutcome.AMOUNT,
        reasons="收入增加",
        new_amount=Decimal("300.00"),
    )
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("300")
    assert state_for_month(recipient=recipient, month=_month(0)).monthly_amount == Decimal("580")


def test_phase_out_pays_n_months_then_stops_by_itself(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(
        review=review, outcome=ReviewOutcome.PHASE_OUT, reasons="收入超过标准", phase_out_months=3
    )
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意渐退")
    months = {m: state_for_month(recipient=recipient, month=_month(m)) for m in range(0, 5)}
    assert months[0].status == RecipientStatus.ACTIVE
    assert [months[m].status for m in (1, 2, 3)] == [RecipientStatus.PHASING_OUT] * 3
    assert months[4].status == RecipientStatus.STOPPED
    assert months[3].monthly_amount == Decimal("580.00")
    review.refresh_from_db()
    assert review.phase_out.stop_month == _month(4)


def test_a_phase_out_longer_than_the_policy_or_a_stop_without_reasons_is_refused(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    with pytest.raises(ValidationError) as err:
        review_decide(
            review=review, outcome=ReviewOutcome.PHASE_OUT, reasons="x", phase_out_months=7
        )
    assert "渐退期不能超过6个月" in str(err.value)
    with pytest.raises(ValidationError) as err:
        review_decide(review=review, outcome=ReviewOutcome.STOP, reasons=" ")
    assert "须写明理由" in str(err.value)
    review.refresh_from_db()
    assert review.outcome == ""


def test_a_campaign_opens_one_review_per_recipient_in_a_few_statements(
    demo, django_assert_max_num_queries
):
    from cases.stats.services import compare

    recipients = [registered(demo) for _ in range(5)]
    before = compare()  # the support's queryset updates leave their own differences
    # 25 whatever the number of recipients: three INSERT … SELECT (cases, clocks, review
    # rows), the policy per township and its stored snapshot (two statements for all the
    # townships), then the new cases counted into the summary tables.
    with django_assert_max_num_queries(25):
        campaign = review_campaign_open(
            county=demo.county,
            recipients=Recipient.objects.all(),
            actor=demo.user("clerk"),
            name="2026年集中复核",
            due_on=_month(3),
        )
    assert campaign.opened == len(recipients)
    assert ReviewCase.objects.filter(campaign=campaign).count() == 5
    assert compare() == before  # the statistics count the review cases bulk-inserted
    again = review_campaign_open(
        county=demo.county,
        recipients=Recipient.objects.all(),
        actor=demo.user("clerk"),
        name="重复",
        due_on=_month(3),
    )
    assert again.opened == 0


def test_a_campaigns_cases_follow_the_recipients_order_and_freeze_the_policy(demo, client):
    """The cases are numbered and inserted in recipient order, each pointing to its
    township's policy in force, stored once (one PolicySnapshot shared by every case of
    the township, none copied into the case row); a second campaign under the same policy
    reuses that row; the case API shows the shared snapshot as it shows a copied one."""
    from relief.models import PolicySnapshot

    recipients = [registered(demo) for _ in range(3)]
    campaign = review_campaign_open(
        county=demo.county,
        recipients=Recipient.objects.all(),
        actor=demo.user("clerk"),
        name="2026年集中复核",
        due_on=_month(3),
    )
    reviews = list(ReviewCase.objects.filter(campaign=campaign).order_by("case_id"))
    assert [r.recipient_id for r in reviews] == sorted(r.pk for r in recipients)
    assert [r.case.number for r in reviews] == [
        f"JZ{campaign.pk}-{r.recipient_id}" for r in reviews
    ]
    expected = policy_for(demo.gushu, timezone.localdate()).as_snapshot()
    assert {r.case.policy_snapshot == {} for r in reviews} == {True}  # nothing copied
    shared = {r.case.policy_shared_id for r in reviews}
    assert len(shared) == 1 and PolicySnapshot.objects.count() == 1
    for review in reviews:
        assert review.case.policy.as_snapshot() == expected
        assert review.case.frozen_policy == PolicySnapshot.objects.get().data
    client.force_login(demo.user("clerk"))
    body = client.get(f"/api/cases/{reviews[0].case_id}/").json()
    assert body["policy_snapshot"] == expected
    # Closed and reopened under the same policy: the same stored row, not a second one.
    Case.objects.filter(pk__in=[r.case_id for r in reviews]).update(state=CaseState.WITHDRAWN)
    again = review_campaign_open(
        county=demo.county,
        recipients=Recipient.objects.all(),
        actor=demo.user("clerk"),
        name="补充复核",
        due_on=_month(3),
    )
    assert again.opened == 3
    reopened = Case.objects.filter(number__startswith=f"JZ{again.pk}-")
    assert set(reopened.values_list("policy_shared_id", flat=True)) == shared


def test_the_stop_notice_states_reasons_and_the_right_to_re_examination(demo):
    import io

    from pypdf import PdfReader

    from funds.dynamic.services import termination_notice_pdf

    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(review=review, outcome=ReviewOutcome.STOP, reasons="家庭人均收入超过当地低保标准")
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意停保")
    review.refresh_from_db()
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(termination_notice_pdf(review=review))).pages
    )
    assert "停止救助通知书" in text
    assert "家庭人均收入超过当地低保标准" in text
    assert "申请复查" in text.replace("\n", "")


def test_a_review_goes_to_the_county_where_the_township_lacks_the_power(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _to_decision(demo, review)
    review_decide(review=review, outcome=ReviewOutcome.CONTINUE, reasons="")
    with mock.patch("cases.workflow.guards.holds_power", return_value=False):
        with pytest.raises(Exception) as err:
            case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
        assert "须报县审批" in str(err.value)
        case.refresh_from_db()
        case_transition(case=case, name="refer_to_county", actor=demo.user("clerk"), opinion="报县")
        case.refresh_from_db()
        case_transition(
            case=case, name="county_approve", actor=demo.user("supervisor"), opinion="同意"
        )
    review.refresh_from_db()
    assert review.applied_at is not None and case.route == Case.Route.COUNTY


def test_the_demo_seeds_schedules_and_reviews_and_runs_twice(demo):
    from funds.dynamic.demo import seed_dynamic

    registered(demo)
    registered(demo)
    assert seed_dynamic(actor=demo.user("clerk"), reviews=2) == 2
    assert ReviewSchedule.objects.count() == 2
    assert seed_dynamic(actor=demo.user("clerk"), reviews=2) == 0


def test_a_campaign_takes_only_the_actors_recipients_and_needs_a_clerk_or_supervisor(demo):
    registered(demo)  # a recipient of 姑孰镇
    with pytest.raises(PermissionDenied):
        review_campaign_open(
            county=demo.county,
            recipients=Recipient.objects.all(),
            actor=demo.user("approver"),
            name="集中复核",
            due_on=_month(3),
        )
    campaign = review_campaign_open(
        county=demo.county,
        recipients=Recipient.objects.all(),
        actor=demo.user("clerk_huangchi"),
        name="集中复核",
        due_on=_month(3),
    )
    assert campaign.opened == 0 and not ReviewCase.objects.exists()
