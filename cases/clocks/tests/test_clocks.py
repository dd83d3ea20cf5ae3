"""Case clocks: limits computed with the working-day calendar at the transition,
pause during the notice, extension limits, and the set-based, idempotent daily scan."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import OperationalError
from django.test import override_settings
from kombu.exceptions import OperationalError as BrokerError

from cases.clocks import services as clocks
from cases.clocks import tasks
from cases.clocks.services import clock_extend, clock_refusal_notice_served, scan_deadlines
from cases.clocks.tasks import scan_deadlines as task
from cases.models import CaseClock, CaseEvent, CaseState, StepKind
from cases.workflow.tests.helpers import go, make_case, make_user, post_notice
from relief.celery import app
from relief.models import Job, Notification, Role, User, WorkdayOverride
from relief.policy import policy_set
from relief.workdays import add_workdays

D = datetime.date


def accept(case, on: D):
    go(case, "accept", "clerk" if case.township.code == "340521100000" else _clerk_of(case), on=on)
    return CaseClock.objects.get(case=case)


def _clerk_of(case):
    return User.objects.filter(region=case.township, role=Role.TOWNSHIP_CLERK).first()


def clock_of(case) -> CaseClock:
    return CaseClock.objects.get(case=case)


# --- limits across the calendar ---------------------------------------------------------


def test_accepting_a_dibao_case_in_a_delegated_township_sets_20_working_days_across_spring_festival(
    demo,
):
    clock = accept(make_case(demo.gushu), D(2026, 2, 10))
    # 2/14 (Saturday) is a make-up workday, 2/15–2/23 are off, 2/28 (Saturday) works again.
    assert clock.limit_wd == 20
    assert clock.overall_due == D(2026, 3, 16)
    assert clock.overall_confirmed and not clock.unconfirmed
    assert clock.step_kind == StepKind.INVESTIGATION_START
    assert clock.step_due == D(2026, 2, 13)
    assert clock.limit_max_wd == 45


def test_a_township_without_delegated_power_gets_the_county_limit_of_30_working_days(demo):
    case = make_case(demo.wuxi)
    clock = accept(case, D(2026, 3, 2))
    assert clock.limit_wd == 30
    assert clock.overall_due == add_workdays(D(2026, 3, 2), 30)


def test_tekun_limit_is_the_township_and_the_county_periods_together(demo):
    clock = accept(make_case(demo.gushu, type_code="tekun_dispersed"), D(2026, 3, 2))
    assert clock.limit_wd == 30


def test_the_local_variant_limit_comes_from_the_township_policy(demo):
    clock = accept(make_case(demo.shiqiao), D(2026, 3, 2))
    assert clock.limit_wd == 12


def test_the_make_up_saturday_before_spring_festival_counts_as_a_working_day(demo):
    clock = accept(make_case(demo.gushu), D(2026, 2, 12))
    # 2/13 Friday, 2/14 make-up Saturday, then the festival: the third day is 2/24.
    assert clock.step_due == D(2026, 2, 24)


def test_the_make_up_sunday_of_september_counts_as_a_working_day(demo):
    clock = accept(make_case(demo.gushu), D(2026, 9, 17))
    # 9/18 Friday, 9/20 make-up Sunday, 9/21 Monday (without the make-up day: 9/22).
    assert clock.step_due == D(2026, 9, 21)


def test_a_due_date_beyond_the_known_holiday_data_is_marked_unconfirmed(demo):
    clock = accept(make_case(demo.gushu), D(2026, 12, 15))
    assert clock.overall_due.year == 2027
    assert clock.unconfirmed is True and clock.overall_confirmed is False
    assert clock.step_confirmed is True  # 3 working days stay inside 2026


def test_a_due_date_inside_2026_is_confirmed(demo):
    clock = accept(make_case(demo.gushu), D(2026, 11, 2))
    assert clock.overall_due == D(2026, 11, 30)
    assert clock.unconfirmed is False


def test_the_clock_is_stored_and_not_recomputed_when_the_calendar_changes_later(demo):
    clock = accept(make_case(demo.gushu), D(2026, 11, 2))
    WorkdayOverride.objects.create(date=D(2026, 11, 5), is_workday=False, note="测试")
    assert clock_of(clock.case).overall_due == D(2026, 11, 30)


# --- steps ------------------------------------------------------------------------------


def test_starting_the_investigation_ends_that_step_and_starts_the_check_step(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    go(case, "start_investigation", "clerk", data={"on": "2026-03-03"})
    clock = clock_of(case)
    assert case.state == CaseState.CHECKING
    assert clock.step_kind == StepKind.CHECK_START
    assert clock.step_started_on == D(2026, 3, 3) and clock.step_due == D(2026, 3, 6)
    case.check_status = "returned"
    go(case, "finish_check", "verifier", data={"on": "2026-03-05"})
    assert clock_of(case).step_kind == StepKind.NONE and clock_of(case).step_due is None


def _to_review(case, *, notice_on: D | None = None, close_on: D | None = None):
    go(case, "start_investigation", "clerk")
    case.check_status = "returned"
    go(case, "finish_check", "verifier")
    case.survey_status = "complete"
    go(case, "finish_investigation", "clerk", opinion="符合条件", on=notice_on or D(2026, 3, 10))
    assert case.state == CaseState.PRE_NOTICE
    post_notice(case, starts_on=notice_on or D(2026, 3, 10))
    go(case, "close_notice", "clerk", data={"on": (close_on or D(2026, 3, 18)).isoformat()})
    assert case.state == CaseState.REVIEW


def test_the_clock_pauses_for_a_notice_period_spanning_national_day_and_resumes_after(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 9, 1))
    before = clock_of(case).overall_due
    go(case, "start_investigation", "clerk")
    case.check_status = "returned"
    go(case, "finish_check", "verifier")
    case.survey_status = "complete"
    go(case, "finish_investigation", "clerk", opinion="符合条件", on=D(2026, 9, 28))
    clock = clock_of(case)
    assert clock.paused_at == D(2026, 9, 28)
    assert clock.overall_due == before  # unchanged while paused
    # The scan leaves a paused clock alone even when the due date has passed.
    scan_deadlines(today=D(2026, 11, 20))
    assert clock_of(case).overdue is False
    post_notice(case, starts_on=D(2026, 9, 28))
    go(case, "close_notice", "clerk", data={"on": "2026-10-09"})
    clock = clock_of(case)
    # Paused working days after 9/28 up to 10/9: 9/29, 9/30, 10/8, 10/9 (10/1–10/7 are off).
    assert clock.paused_at is None and clock.paused_workdays == 4
    assert clock.overall_due == add_workdays(D(2026, 9, 1), 24)
    assert clock.overall_due == add_workdays(before, 4)


def test_the_notice_period_counts_when_the_policy_says_so(demo):
    policy_set(
        region=demo.county,
        key="notice_counts_in_limit",
        raw_value=True,
        effective_from=D(2026, 1, 1),
        actor=None,
    )
    case = make_case(demo.gushu)
    accept(case, D(2026, 9, 1))
    before = clock_of(case).overall_due
    _to_review(case, notice_on=D(2026, 9, 28), close_on=D(2026, 10, 9))
    clock = clock_of(case)
    assert clock.paused_workdays == 0 and clock.overall_due == before


def test_the_decision_stops_the_clock_and_records_the_working_days_used(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    _to_review(case, notice_on=D(2026, 3, 10), close_on=D(2026, 3, 18))
    case.monthly_amount = 300
    go(case, "confirm", "approver", on=D(2026, 3, 20))
    clock = clock_of(case)
    assert clock.stopped_on == D(2026, 3, 20)
    # 3/2 → 3/20 is 14 working days, of which 6 (3/11–3/18) were the notice period.
    assert clock.paused_workdays == 6 and clock.elapsed_wd == 8
    assert clock.on_time is True and not clock.overdue and not clock.due_soon


def test_a_refusal_stops_the_clock_and_starts_the_refusal_notice_step(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    go(case, "start_investigation", "clerk")
    go(case, "refuse", "approver", opinion="家庭人均收入高于低保标准", on=D(2026, 3, 13))
    clock = clock_of(case)
    assert clock.stopped_on == D(2026, 3, 13) and clock.on_time is True
    assert clock.step_kind == StepKind.REFUSAL_NOTICE and clock.step_due == D(2026, 3, 18)
    clock_refusal_notice_served(case=case, actor=demo.user("clerk"), served_on=D(2026, 3, 16))
    clock = clock_of(case)
    assert clock.step_kind == StepKind.NONE and clock.step_due is None
    event = CaseEvent.objects.get(case=case, transition="serve_refusal_notice")
    assert event.data["late"] is False


# --- extension --------------------------------------------------------------------------


def test_an_approver_extends_the_limit_with_a_reason_and_the_extension_is_logged(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    before = clock_of(case).overall_due
    clock = clock_extend(
        case=case,
        actor=demo.user("approver"),
        extra_wd=10,
        reason="需补充核对外地房产",
        today=D(2026, 3, 20),
    )
    assert clock.extended_wd == 10
    assert clock.overall_due == add_workdays(D(2026, 3, 2), 30) == clock.extended_to
    assert clock.overall_due > before
    event = CaseEvent.objects.get(case=case, transition="extend_deadline")
    assert event.label == "延长办理时限" and event.opinion == "需补充核对外地房产"
    assert event.actor_role == Role.TOWNSHIP_APPROVER
    assert (
        event.data["from"] == before.isoformat()
        and event.data["to"] == clock.overall_due.isoformat()
    )


def test_an_extension_beyond_the_policy_maximum_is_refused_in_chinese_and_nothing_is_saved(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    clock_extend(case=case, actor=demo.user("approver"), extra_wd=20, reason="第一次延长")
    with pytest.raises(ValidationError) as exc:
        clock_extend(case=case, actor=demo.user("approver"), extra_wd=6, reason="第二次延长")
    assert "不能超过 45 个工作日" in exc.value.message_dict["extra_wd"][0]
    assert "最多还可延长 5 个工作日" in exc.value.message_dict["extra_wd"][0]
    assert clock_of(case).extended_wd == 20
    assert CaseEvent.objects.filter(case=case, transition="extend_deadline").count() == 1
    clock_extend(case=case, actor=demo.user("approver"), extra_wd=5, reason="最后一次延长")
    assert clock_of(case).limit_wd + clock_of(case).extended_wd == 45


def test_an_extension_needs_a_reason_a_positive_number_and_an_approver(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    with pytest.raises(ValidationError) as exc:
        clock_extend(case=case, actor=demo.user("approver"), extra_wd="0", reason=" ")
    assert set(exc.value.message_dict) == {"extra_wd", "reason"}
    with pytest.raises(ValidationError, match="乡镇审核确认人"):
        clock_extend(case=case, actor=demo.user("clerk"), extra_wd=5, reason="理由")
    assert clock_of(case).extended_wd == 0


def test_a_decided_case_cannot_be_extended(demo):
    case = make_case(demo.gushu)
    accept(case, D(2026, 3, 2))
    go(case, "start_investigation", "clerk")
    go(case, "refuse", "approver", opinion="不符合条件", on=D(2026, 3, 5))
    with pytest.raises(ValidationError, match="已作出决定"):
        clock_extend(case=case, actor=demo.user("approver"), extra_wd=5, reason="理由")


# --- the scan ---------------------------------------------------------------------------


def _open_case(demo, accepted: D, township=None):
    case = make_case(township or demo.gushu)
    accept(case, accepted)
    return case


def test_the_scan_marks_due_soon_and_overdue_and_a_second_run_changes_nothing(demo):
    late = _open_case(demo, D(2026, 3, 2))  # due 2026-03-30
    soon = _open_case(demo, D(2026, 3, 16))  # due 2026-04-14 (4/4–4/6 off), due soon from 4/9
    fresh = _open_case(demo, D(2026, 4, 1))
    today = D(2026, 4, 10)
    first = scan_deadlines(today=today)
    assert clock_of(late).overdue and not clock_of(late).due_soon
    assert clock_of(soon).due_soon and not clock_of(soon).overdue
    assert not clock_of(fresh).due_soon and not clock_of(fresh).overdue
    assert (
        first.overdue_marked == 1 and first.due_soon_marked == 1 and first.step_overdue_marked == 3
    )
    notes = Notification.objects.filter(dedupe_key__startswith="clock:")
    count = notes.count()
    assert count > 0
    snapshot = list(CaseClock.objects.order_by("pk").values())
    second = scan_deadlines(today=today)
    assert second.overdue_marked == second.due_soon_marked == second.step_overdue_marked == 0
    assert second.notifications == 0 and second.flags_cleared == 0
    assert notes.count() == count
    after = list(CaseClock.objects.order_by("pk").values())
    assert [{k: v for k, v in r.items() if k != "updated_at"} for r in after] == [
        {k: v for k, v in r.items() if k != "updated_at"} for r in snapshot
    ]


def test_each_threshold_sends_exactly_one_notification_to_each_responsible_user(demo):
    other_clerk = make_user("clerk2", Role.TOWNSHIP_CLERK, demo.gushu)
    outsider = make_user("clerk_other", Role.TOWNSHIP_CLERK, demo.wuxi)
    case = _open_case(demo, D(2026, 3, 2))  # due 2026-03-30
    scan_deadlines(today=D(2026, 3, 27))  # due soon
    scan_deadlines(today=D(2026, 3, 27))
    scan_deadlines(today=D(2026, 3, 31))  # overdue
    scan_deadlines(today=D(2026, 4, 1))
    keys = Notification.objects.filter(dedupe_key__contains=f"clock:{case.pk}:")
    per_user = {}
    for n in keys:
        per_user.setdefault(n.recipient.username, []).append(n.dedupe_key.split(":")[2])
    assert sorted(per_user) == ["approver", "clerk", "clerk2"]
    for kinds in per_user.values():
        assert sorted(kinds) == ["due_soon", "overdue", "step"]
    assert not Notification.objects.filter(recipient=outsider).exists()
    overdue = keys.get(recipient=other_clerk, dedupe_key__contains=":overdue:")
    assert (
        case.number in overdue.verb
        and "2026-03-30" in overdue.verb
        and "超过办理时限" in overdue.verb
    )
    assert overdue.url.endswith(f"/{case.pk}/clock/")


def test_an_extension_clears_overdue_and_a_new_due_date_is_a_new_threshold(demo):
    case = _open_case(demo, D(2026, 3, 2))
    scan_deadlines(today=D(2026, 3, 31))
    assert clock_of(case).overdue
    clock_extend(
        case=case, actor=demo.user("approver"), extra_wd=10, reason="延长", today=D(2026, 3, 31)
    )
    clock = clock_of(case)
    assert clock.overall_due == D(2026, 4, 14) and not clock.overdue and not clock.due_soon
    scan_deadlines(today=D(2026, 3, 31))
    assert not clock_of(case).overdue
    scan_deadlines(today=clock.overall_due + datetime.timedelta(days=1))
    overdue_keys = set(
        Notification.objects.filter(
            recipient__username="clerk", dedupe_key__contains=":overdue:"
        ).values_list("dedupe_key", flat=True)
    )
    assert overdue_keys == {
        f"clock:{case.pk}:overdue:2026-03-30",
        f"clock:{case.pk}:overdue:{clock.overall_due}",
    }


@override_settings(EMAIL_ENABLED=True)
def test_users_with_an_address_also_get_an_email_once(demo, django_capture_on_commit_callbacks):
    clerk = demo.user("clerk")
    clerk.email = "clerk@example.org"
    clerk.save()
    _open_case(demo, D(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(today=D(2026, 3, 31))
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(today=D(2026, 3, 31))
    assert len(mail.outbox) == 2  # overdue + the investigation-start step, to the clerk only
    assert {m.to[0] for m in mail.outbox} == {"clerk@example.org"}
    assert all("社会救助" in m.subject for m in mail.outbox)


def test_no_email_is_sent_when_email_is_not_configured(demo, django_capture_on_commit_callbacks):
    clerk = demo.user("clerk")
    clerk.email = "clerk@example.org"
    clerk.save()
    _open_case(demo, D(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        scan_deadlines(today=D(2026, 3, 31))
    assert mail.outbox == []


def test_the_scan_uses_a_fixed_number_of_queries_whatever_the_number_of_cases(
    demo, django_assert_max_num_queries
):
    for i in range(6):
        _open_case(demo, D(2026, 3, 2) + datetime.timedelta(days=i))
    # 15: one grouped read of the clocks that change, one INSERT … SELECT of notifications
    # per threshold crossed, one UPDATE, the open-clock summary, savepoints; and the work
    # folded into the scan by funds.dynamic, nothing due: the scheduled reviews and the 特困
    # termination postings that end.
    with django_assert_max_num_queries(15):
        scan_deadlines(today=D(2026, 4, 30))


def test_the_management_command_runs_the_scan(demo, capsys):
    case = _open_case(demo, D(2026, 3, 2))
    call_command("scan_deadlines", "--date", "2026-03-31")
    assert clock_of(case).overdue
    assert '"overdue_marked": 1' in capsys.readouterr().out


# --- the Celery task --------------------------------------------------------------------


def worker_like(monkeypatch):
    """Eager tasks that handle their errors as a worker does (retry loop, on_failure)
    instead of re-raising at once (task_eager_propagates, the test default)."""

    monkeypatch.setitem(app.conf, "task_eager_propagates", False)


def test_the_task_retries_on_a_database_error_then_succeeds(demo, monkeypatch):
    _open_case(demo, D(2026, 3, 2))
    calls = []
    real = clocks.scan_deadlines

    def flaky(*, today=None):
        calls.append(today)
        if len(calls) < 3:
            raise OperationalError("server closed the connection unexpectedly")
        return real(today=today)

    monkeypatch.setattr(clocks, "scan_deadlines", flaky)
    worker_like(monkeypatch)
    result = tasks.scan_deadlines.delay("2026-03-31")
    assert result.successful() and len(calls) == 3
    assert result.get()["overdue_marked"] == 1
    assert not Job.objects.filter(status=Job.Status.FAILED).exists()


def test_a_task_that_fails_for_good_is_recorded_for_administrators(demo, monkeypatch):
    def broken(*, today=None):
        raise ValueError("日历数据损坏")

    monkeypatch.setattr(clocks, "scan_deadlines", broken)
    worker_like(monkeypatch)
    result = tasks.scan_deadlines.delay("2026-03-31")
    assert result.failed()
    job = Job.objects.get(kind="cases.tasks.scan_deadlines")
    assert (
        job.status == Job.Status.FAILED
        and "日历数据损坏" in job.message
        and "ValueError" in job.traceback
    )


def test_retry_settings_cover_database_and_broker_errors():

    assert OperationalError in task.autoretry_for and BrokerError in task.autoretry_for
    assert task.max_retries == 5 and task.retry_backoff


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
