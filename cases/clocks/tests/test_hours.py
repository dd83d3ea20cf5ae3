"""A step limit counted in hours (急难型临时救助: help within 24 hours, seed 002) runs through
nights and weekends, and the same scan marks it due-soon and overdue by the time of the run."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from cases.clocks import services as clocks
from cases.clocks.services import scan_deadlines
from cases.models import CaseClock, StepKind
from cases.workflow.tests.helpers import go, make_case
from relief.models import Notification

D = datetime.date
BJ = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def travel(monkeypatch):
    """Set the wall clock (``timezone.now``) to a given moment."""

    def to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return to


def _help_clock(demo, start_at: datetime.datetime) -> CaseClock:
    go(make_case(demo.gushu), "accept", "clerk", on=start_at.date())
    clock = CaseClock.objects.latest("updated_at")
    clocks.clock_set_step_hours(
        clock, kind=StepKind.EMERGENCY_HELP, start_at=start_at, hours=24, soon_hours=4
    )
    clock.save()
    return clock


def test_24_hours_from_friday_night_end_on_saturday_night_not_after_the_weekend(demo, travel):
    start = datetime.datetime(2026, 3, 6, 22, 30, tzinfo=BJ)  # a Friday, 22:30 Beijing
    travel(start)
    clock = _help_clock(demo, start)
    assert clock.step_due_at == datetime.datetime(2026, 3, 7, 22, 30, tzinfo=BJ)
    assert clock.step_due == D(2026, 3, 7)  # across midnight, on the Saturday
    travel(datetime.datetime(2026, 3, 7, 19, 0, tzinfo=BJ))
    result = scan_deadlines()
    assert result.step_due_soon_marked == 1 and result.step_overdue_marked == 0
    travel(datetime.datetime(2026, 3, 7, 22, 31, tzinfo=BJ))
    result = scan_deadlines()
    assert result.step_overdue_marked == 1
    clock.refresh_from_db()
    assert clock.step_overdue and not clock.step_due_soon
    assert Notification.objects.filter(verb__contains="先行救助").exists()
    again = scan_deadlines()
    assert again.step_overdue_marked == 0 and again.notifications == 0


def test_an_hours_step_is_not_overdue_on_its_due_day_before_its_due_hour(demo, travel):
    start = datetime.datetime(2026, 3, 9, 9, 0, tzinfo=BJ)
    travel(start)
    clock = _help_clock(demo, start)
    travel(datetime.datetime(2026, 3, 10, 8, 59, tzinfo=BJ))
    scan_deadlines()
    clock.refresh_from_db()
    assert not clock.step_overdue


def test_the_paperwork_step_after_help_counts_5_working_days_across_the_qingming_holiday(
    demo, travel
):
    start = datetime.datetime(2026, 4, 2, 10, 0, tzinfo=BJ)  # Thursday; 4/4–4/6 are off
    travel(start)
    clock = _help_clock(demo, start)
    clocks.clock_set_step(
        clock,
        kind=StepKind.EMERGENCY_FILE,
        start=D(2026, 4, 2),
        workdays=5,
        today=D(2026, 4, 2),
    )
    clock.save()
    # 4/3 Fri, 4/7 Tue, 4/8, 4/9, 4/10 → the fifth working day is Friday 4/10.
    assert clock.step_due == D(2026, 4, 10) and clock.step_due_at is None
    scan_deadlines(today=D(2026, 4, 10))
    clock.refresh_from_db()
    assert not clock.step_overdue
    scan_deadlines(today=D(2026, 4, 11))
    clock.refresh_from_db()
    assert clock.step_overdue
