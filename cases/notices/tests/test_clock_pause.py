"""The case clock and the notice batch (DOMAIN §4–5, "不含公示期", the policy snapshot's
``notice_counts_in_limit``): the clock pauses from the batch's first day, not from the day
the case became ready for notice nor from the day the batch was published, and resumes when
the daily task closes the batch; the paused working days move the due date."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from cases.models import CaseClock, CaseState
from cases.notices.models import BatchState, NoticeKind
from cases.notices.services import batch_create, batch_publish, batch_withdraw
from cases.notices.tasks import close_due_batches
from cases.workflow.tests.helpers import go, make_case
from relief.models import Region
from relief.policy import policy_set
from relief.workdays import add_workdays, workdays_between

D = datetime.date
#: Beijing 09:00 of a day (time-machine moves every clock, model defaults included).
CST = datetime.timezone(datetime.timedelta(hours=8))


def _at(day: D, hour: int = 9):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=CST))


def _ready_for_notice(demo, *, accepted: D, ready: D):
    case = make_case(demo.gushu)
    with _at(accepted):
        go(case, "accept", "clerk", on=accepted)
        go(case, "start_investigation", "clerk")
        case.check_status = "returned"
        go(case, "finish_check", "verifier")
        case.survey_status = "complete"
    with _at(ready):
        go(case, "finish_investigation", "clerk", opinion="符合条件", on=ready)
    assert case.state == CaseState.PRE_NOTICE
    return case


def _publish(demo, case, starts_on: D):
    batch = batch_create(
        actor=demo.user("clerk"),
        village=Region.objects.get(pk=case.village_id),
        kind=NoticeKind.PRE,
        cases=[case],
        starts_on=starts_on,
        place="城东社区公示栏",
        phone="0555-6661234",
    )
    return batch_publish(batch=batch, actor=demo.user("clerk"))


def _clock(case) -> CaseClock:
    return CaseClock.objects.get(case=case)


@pytest.mark.django_db
def test_published_today_for_a_start_in_three_days_the_clock_pauses_from_the_start_day(demo):
    accepted, ready, today = D(2026, 2, 25), D(2026, 2, 27), D(2026, 3, 2)  # Wed, Fri, Mon
    start = today + datetime.timedelta(days=3)  # Thursday 3/5
    case = _ready_for_notice(demo, accepted=accepted, ready=ready)
    limit = _clock(case).limit_wd
    original_due = add_workdays(accepted, limit)
    assert _clock(case).paused_at == ready  # ready for notice, no batch yet

    with _at(today):
        batch = _publish(demo, case, start)
        clock = _clock(case)
        # Not on the wall yet: the clock runs, and the days waiting for the batch count.
        assert clock.paused_at is None and clock.paused_workdays == 0
        assert clock.overall_due == original_due
        close_due_batches()  # the daily task before the start changes nothing
        assert _clock(case).paused_at is None

    with _at(start, hour=0):
        # 00:30 beat on the first day of the notice
        assert close_due_batches()["clocks_paused"] == [case.number]
        assert _clock(case).paused_at == start
        assert close_due_batches()["clocks_paused"] == []  # twice: the same
        assert _clock(case).paused_at == start
        assert _clock(case).overall_due == original_due  # frozen while paused

    closes_on = batch.closes_on
    assert closes_on == start + datetime.timedelta(days=batch.days)
    with _at(closes_on, hour=0):
        close_due_batches()
    batch.refresh_from_db()
    case.refresh_from_db()
    assert batch.state == BatchState.CLOSED and case.state == CaseState.REVIEW
    clock = _clock(case)
    # The snapshot's rule (clock_resume): the working days after the pause day up to and
    # including the close day do not count: 3/6, 3/9, 3/10, 3/11, 3/12.
    paused = workdays_between(start, closes_on)
    assert paused == 5
    assert clock.paused_at is None and clock.paused_workdays == paused
    assert clock.overall_due == add_workdays(accepted, limit + paused)


@pytest.mark.django_db
def test_a_batch_starting_on_its_publication_day_pauses_at_once(demo):
    accepted, ready, today = D(2026, 2, 25), D(2026, 2, 27), D(2026, 3, 2)
    case = _ready_for_notice(demo, accepted=accepted, ready=ready)
    with _at(today):
        _publish(demo, case, today)
        assert _clock(case).paused_at == today  # not 2/27: the waiting days count


@pytest.mark.django_db
def test_a_batch_withdrawn_before_its_start_leaves_the_clock_running(demo):
    accepted, ready, today = D(2026, 2, 25), D(2026, 2, 27), D(2026, 3, 2)
    start = today + datetime.timedelta(days=3)
    case = _ready_for_notice(demo, accepted=accepted, ready=ready)
    with _at(today):
        batch = _publish(demo, case, start)
        batch_withdraw(batch=batch, actor=demo.user("clerk"), reason="名单有误，重新张贴")
    with _at(start, hour=0):
        close_due_batches()
        assert _clock(case).paused_at is None


@pytest.mark.django_db
def test_when_the_snapshot_counts_the_notice_the_clock_never_pauses(demo):
    policy_set(
        region=demo.county,
        key="notice_counts_in_limit",
        raw_value=True,
        effective_from=D(2026, 1, 1),
        actor=None,
    )
    accepted, ready, today = D(2026, 2, 25), D(2026, 2, 27), D(2026, 3, 2)
    case = _ready_for_notice(demo, accepted=accepted, ready=ready)
    due = _clock(case).overall_due
    with _at(today):
        _publish(demo, case, today + datetime.timedelta(days=3))
    with _at(today + datetime.timedelta(days=3), hour=0):
        close_due_batches()
    clock = _clock(case)
    assert clock.paused_at is None and clock.paused_workdays == 0 and clock.overall_due == due
