"""定期复核 from the daily deadline scan: schedules falling due within the policy's
``review_open_ahead_days`` open review cases inside the one scan (its marking flags their
clocks in the same run); a second run the same day opens nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.clocks.services import scan_deadlines
from cases.models import Case, CaseState
from funds.dynamic.models import ReviewCase, ReviewSchedule, ReviewTrigger
from funds.dynamic.services import review_open, review_schedule_refresh
from funds.recipients.tests.support import registered

pytestmark = pytest.mark.django_db


def _due_in(demo, days: int):
    recipient = registered(demo)
    review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    due = timezone.localdate() + datetime.timedelta(days=days)
    ReviewSchedule.objects.filter(recipient=recipient).update(next_due=due)
    return recipient, due


def test_the_daily_scan_opens_the_reviews_falling_due_and_runs_twice(demo):
    soon, soon_due = _due_in(demo, 20)  # within the default 30 days ahead
    _due_in(demo, 90)  # not yet
    late, late_due = _due_in(demo, -3)  # already past its date
    busy, _ = _due_in(demo, 5)
    review_open(recipient=busy, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME)

    result = scan_deadlines()
    assert result.cases_opened == 2
    opened = {r.recipient_id: r for r in ReviewCase.objects.filter(trigger="scheduled")}
    assert set(opened) == {soon.pk, late.pk}
    review = opened[soon.pk]
    assert review.due_on == soon_due and review.case.clock.overall_due == soon_due
    assert review.case.purpose == Case.Purpose.REVIEW
    assert review.case.state == CaseState.ACCEPTED and review.case.created_by is None
    assert opened[late.pk].case.clock.overdue  # flagged by the same scan
    assert scan_deadlines().cases_opened == 0
    assert ReviewCase.objects.filter(trigger="scheduled").count() == 2
