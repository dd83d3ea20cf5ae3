"""Who decides a review: a clerk (no power to decide) is refused in Chinese with nothing
saved; a suspension of the township's delegation that starts tomorrow leaves today's
decision with the township (holds_power on the decision date). A change asked for a month
whose roster is locked takes the next open month and the API says so (moved_from)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, CaseState
from cases.workflow.services import case_transition
from funds.dynamic.models import ReviewTrigger
from funds.dynamic.services import add_months, review_open
from funds.recipients.selectors import state_for_month
from funds.recipients.tests.support import registered
from funds.rosters.models import RosterRun, RunState
from relief.delegation import delegation_change_status
from relief.models import Delegation

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _in_review(demo):
    recipient = registered(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    case_transition(case=case, name="start_investigation", actor=demo.user("clerk"))
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(
        case=case, name="finish_investigation", actor=demo.user("clerk"), opinion="入户核实"
    )
    return recipient, review


def _conclude(user, review, **data):
    return _api(user).post(
        f"/api/dynamic/reviews/{review.pk}/conclude/",
        {"reasons": "家庭收入增加", "opinion": "同意", "then": "decide", **data},
        format="json",
    )


def test_a_clerk_may_not_decide_a_review_and_nothing_is_saved(demo):
    recipient, review = _in_review(demo)
    response = _conclude(demo.user("clerk"), review, outcome="amount", new_amount="400")
    assert response.status_code in (400, 403), response.content
    assert "审核确认人" in response.content.decode()
    review.refresh_from_db()
    review.case.refresh_from_db()
    assert review.outcome == "" and review.new_amount is None and review.applied_at is None
    assert review.case.state == CaseState.REVIEW
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("580")


def test_a_suspension_from_tomorrow_leaves_todays_decision_with_the_township(demo):
    recipient, review = _in_review(demo)
    delegation_change_status(
        delegation=Delegation.objects.get(
            township=recipient.township, assistance_type=recipient.assistance_type
        ),
        status="suspended",
        effective_date=timezone.localdate() + datetime.timedelta(days=1),
        reason="整改期间暂停",
        actor=demo.user("supervisor"),
    )
    response = _conclude(demo.user("approver"), review, outcome="amount", new_amount="400")
    assert response.status_code == 200, response.content
    review.case.refresh_from_db()
    assert review.case.state == CaseState.CONFIRMED and review.case.route == Case.Route.TOWNSHIP


def test_a_locked_roster_month_moves_the_change_and_the_api_says_so(demo):
    recipient, review = _in_review(demo)
    RosterRun.objects.create(
        township=recipient.township,
        assistance_type=recipient.assistance_type,
        month=_month(1),
        state=RunState.LOCKED,
        prepared_by=demo.user("clerk"),
    )
    response = _conclude(
        demo.user("approver"),
        review,
        outcome="amount",
        new_amount="400",
        effective_month=f"{_month(1):%Y-%m}",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["moved_from"] == _month(1).isoformat()
    assert body["review"]["effective_month"] == _month(2).isoformat()
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("580")
    assert state_for_month(recipient=recipient, month=_month(2)).monthly_amount == Decimal("400")


def test_a_continued_review_sets_the_next_due_date_from_the_decision(demo):
    from funds.dynamic.models import ReviewSchedule

    recipient, review = _in_review(demo)
    ReviewSchedule.objects.filter(recipient=recipient).delete()
    response = _conclude(demo.user("approver"), review, outcome="continue", reasons="")
    assert response.status_code == 200, response.content
    schedule = ReviewSchedule.objects.get(recipient=recipient)
    assert schedule.interval_months in (6, 12) and schedule.basis
    assert schedule.next_due == add_months(timezone.localdate(), schedule.interval_months)
