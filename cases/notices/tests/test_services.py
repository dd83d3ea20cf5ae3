"""Notice batches: refused input saves nothing, publication freezes masked rows, the daily
close moves each case once however often it runs, an objection during the period opens the
objection route."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from cases.models import CaseState
from cases.notices.models import BatchState, NoticeBatch, NoticeKind, Objection
from cases.notices.services import (
    batch_create,
    batch_publish,
    batch_withdraw,
    batches_close_due,
    objection_feedback,
    objection_record,
)
from cases.workflow.services import available_transitions
from cases.workflow.tests.helpers import go, make_case
from relief.models import Region
from relief.policy import policy_set


def _village_of(case):
    return Region.objects.get(pk=case.village_id)


def _batch(demo, cases, **kw):
    kw.setdefault("starts_on", timezone.localdate())
    return batch_create(
        actor=demo.user("clerk"),
        village=_village_of(cases[0]),
        kind=NoticeKind.PRE,
        cases=cases,
        place="村委会公示栏",
        phone="0555-1234567",
        **kw,
    )


def _shift(monkeypatch, days: int) -> datetime.date:
    moved = timezone.now() + datetime.timedelta(days=days)
    monkeypatch.setattr(timezone, "now", lambda: moved)
    return timezone.localdate()


@pytest.mark.django_db
def test_a_case_not_ready_or_a_short_period_is_refused_and_nothing_is_saved(demo):
    ready = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    not_ready = make_case(demo.gushu, force_state=CaseState.REVIEW)
    with pytest.raises(ValidationError) as err:
        _batch(demo, [ready, not_ready], days=1)
    messages = err.value.message_dict
    assert messages["cases"] == [f"案件{not_ready.number}当前为“待审核确认”，不是待确认前公示"]
    assert "公示期不得少于" in messages["days"][0]
    assert not NoticeBatch.objects.exists()


@pytest.mark.django_db
def test_only_the_townships_clerk_or_the_villages_assistant_may_gather_a_batch(demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    with pytest.raises(Http404):
        batch_create(
            actor=demo.user("clerk_huangchi"),
            village=_village_of(case),
            kind=NoticeKind.PRE,
            cases=[case],
            starts_on=timezone.localdate(),
            place="公示栏",
            phone="12345",
        )
    with pytest.raises(PermissionDenied):
        batch_create(
            actor=demo.user("approver"),
            village=_village_of(case),
            kind=NoticeKind.PRE,
            cases=[case],
            starts_on=timezone.localdate(),
            place="公示栏",
            phone="12345",
        )
    assert not NoticeBatch.objects.exists()


@pytest.mark.django_db
def test_publication_freezes_masked_rows_and_the_close_moves_each_case_once(demo, monkeypatch):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_batch(demo, [case]), actor=demo.user("clerk"))
    assert batch.state == BatchState.PUBLISHED
    (entry,) = batch.entries.all()
    name = case.applicant.name
    assert entry.masked_name.startswith(name[0]) and name not in entry.masked_name
    assert entry.amount_text == "拟保障"
    case.refresh_from_db()
    assert case.notice_started_on == timezone.localdate()
    assert case.events.filter(transition="notice_published").count() == 1

    assert batches_close_due().closed_cases == 0  # still on the wall
    today = _shift(monkeypatch, batch.days + 1)
    first = batches_close_due(today=today)
    second = batches_close_due(today=today)
    assert (first.closed_cases, first.batches) == (1, [batch.number])
    assert (second.closed_cases, second.batches) == (0, [])
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    closing = case.events.get(transition="close_notice")
    assert batch.number in closing.opinion
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED


@pytest.mark.django_db
def test_an_objection_during_the_period_opens_the_objection_route(demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_batch(demo, [case]), actor=demo.user("clerk"))
    outcome = objection_record(
        case=case,
        batch=batch,
        text="该户有两套住房",
        actor=demo.user("clerk"),
        raised_by="王某",
        contact="13800000000",
    )
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION
    assert not outcome.objection.is_complaint and "异议复查" in outcome.message


@pytest.mark.django_db
def test_an_objection_for_a_household_not_in_the_batch_or_without_words_is_refused(demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    other = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_batch(demo, [case]), actor=demo.user("clerk"))
    with pytest.raises(ValidationError) as err:
        objection_record(case=other, batch=batch, text="有异议", actor=demo.user("clerk"))
    assert "不在本批公示名单中" in str(err.value)
    with pytest.raises(ValidationError) as err:
        objection_record(case=case, batch=batch, text="\x00\x01", actor=demo.user("clerk"))
    assert "须为文字" in str(err.value)
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE


@pytest.mark.django_db
def test_an_objection_before_the_first_day_is_refused_with_the_period_and_nothing_saved(
    demo, monkeypatch
):
    """Published ahead of its first day, the notice has not begun: an objection then is
    neither one during the period nor a late complaint (A Art.19). It is refused with the
    period and whom to call; on the first day it is an objection."""
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    starts_on = timezone.localdate() + datetime.timedelta(days=3)
    batch = batch_publish(batch=_batch(demo, [case], starts_on=starts_on), actor=demo.user("clerk"))
    with pytest.raises(ValidationError) as err:
        objection_record(case=case, batch=batch, text="该户有两套住房", actor=demo.user("clerk"))
    (message,) = err.value.messages
    assert message.startswith("本批公示尚未开始")
    assert f"{starts_on:%Y年%m月%d日}至{batch.ends_on:%Y年%m月%d日}" in message
    assert batch.phone in message and "12349" in message
    assert not Objection.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.PRE_NOTICE and not case.complaint_flag

    _shift(monkeypatch, 3)
    outcome = objection_record(
        case=case, batch=batch, text="该户有两套住房", actor=demo.user("clerk")
    )
    assert not outcome.objection.is_complaint
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION


@pytest.mark.django_db
def test_objection_then_re_investigation_then_a_new_notice_in_a_new_batch(demo, monkeypatch):
    """The objection route end to end through the batches: the objection takes the case out
    of its batch into 异议复查; after the re-investigation (and the evaluation this county
    holds) it waits for a new notice, joins a new batch, and that batch's close moves it on;
    the first batch closes without it; the objector gets the feedback."""
    objected = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    quiet = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    first = batch_publish(batch=_batch(demo, [objected, quiet]), actor=demo.user("clerk"))
    outcome = objection_record(
        case=objected,
        batch=first,
        text="该户经营小卖部，收入未申报",
        actor=demo.user("clerk"),
        raised_by="王某",
        contact="13800000000",
    )
    objected.refresh_from_db()
    assert objected.state == CaseState.OBJECTION
    assert first.entries.get(case=objected).outcome == "objection"

    go(objected, "finish_reinvestigation", "clerk", opinion="经重新入户调查，小卖部已歇业")
    if objected.state == CaseState.EVALUATING:
        go(objected, "finish_evaluation", "clerk", opinion="评议通过")
    assert objected.state == CaseState.PRE_NOTICE
    second = batch_publish(batch=_batch(demo, [objected]), actor=demo.user("clerk"))
    assert second.number != first.number
    feedback = objection_feedback(
        objection=outcome.objection,
        actor=demo.user("clerk"),
        feedback="经重新入户调查，小卖部已歇业，已重新公示",
    )
    assert feedback.status == Objection.Status.ANSWERED

    today = _shift(monkeypatch, first.days + 1)
    result = batches_close_due(today=today)
    assert sorted(result.batches) == sorted([first.number, second.number])
    assert result.closed_cases == 2  # quiet from the first batch, objected from the second
    objected.refresh_from_db()
    quiet.refresh_from_db()
    assert objected.state == quiet.state == CaseState.REVIEW
    closing = objected.events.get(transition="close_notice")
    assert second.number in closing.opinion
    assert first.entries.get(case=objected).outcome == "objection"
    assert second.entries.get(case=objected).outcome == "closed"


@pytest.mark.django_db
def test_feedback_is_answered_where_a_contact_was_left_else_closed_once(demo):
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    other = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    batch = batch_publish(batch=_batch(demo, [case, other]), actor=demo.user("clerk"))
    reachable = objection_record(
        case=case, batch=batch, text="有车辆", actor=demo.user("clerk"), contact="13800000000"
    ).objection
    anonymous = objection_record(
        case=other, batch=batch, text="有住房", actor=demo.user("clerk"), anonymous=True
    ).objection
    with pytest.raises(ValidationError) as err:
        objection_feedback(objection=reachable, actor=demo.user("clerk"), feedback=" ")
    assert "请填写处理结果与反馈内容" in str(err.value)
    answered = objection_feedback(objection=reachable, actor=demo.user("clerk"), feedback="不属实")
    closed = objection_feedback(objection=anonymous, actor=demo.user("clerk"), feedback="属实")
    assert (answered.status, closed.status) == (Objection.Status.ANSWERED, Objection.Status.CLOSED)
    assert answered.feedback_by == demo.user("clerk") and answered.feedback_at is not None
    with pytest.raises(ValidationError, match="该异议已办结"):
        objection_feedback(objection=answered, actor=demo.user("clerk"), feedback="再次")
    with pytest.raises(ValidationError, match="不在您的管辖区域内"):  # pages and API: 404
        objection_feedback(objection=answered, actor=demo.user("clerk_huangchi"), feedback="x")


@pytest.mark.django_db
def test_the_period_is_the_policys_calendar_days_weekend_included(demo):
    """The length is the policy's (``notice_days``, a setting per township); the days are
    calendar days, the first counted: a batch posted on a Friday for 10 days ends on the
    Sunday after next and closes on the Monday, weekends included (A Art.19, C Art.15)."""
    friday = datetime.datetime(2026, 3, 6, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Shanghai
    with time_machine.travel(friday, tick=False):
        policy_set(
            region=demo.gushu,
            key="notice_days",
            raw_value="10",
            effective_from=datetime.date(2026, 1, 1),
            actor=None,
        )
        case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
        with pytest.raises(ValidationError) as err:
            _batch(demo, [case], days=9)
        assert err.value.message_dict["days"] == ["公示期不得少于10天"]
        assert not NoticeBatch.objects.exists()
        batch = batch_publish(batch=_batch(demo, [case]), actor=demo.user("clerk"))
    assert batch.days == 10
    assert (batch.starts_on, batch.ends_on) == (
        datetime.date(2026, 3, 6),
        datetime.date(2026, 3, 15),
    )
    with time_machine.travel(friday + datetime.timedelta(days=9), tick=False):
        assert batches_close_due().batches == []  # Sunday 15 March: the last day
    with time_machine.travel(friday + datetime.timedelta(days=10), tick=False):
        assert batches_close_due().batches == [batch.number]


@pytest.mark.django_db
def test_a_batch_withdrawn_before_its_start_leaves_no_notice_to_count_and_the_case_rejoins(
    demo, monkeypatch
):
    """Withdrawn before its first day, the notice never ran: the case's notice date is
    cleared (no 公示期满 can be counted from it, by the system or by hand), the withdrawal
    is signed on the case, and the case joins a new batch whose close moves it on."""
    case = make_case(demo.gushu, force_state=CaseState.PRE_NOTICE)
    starts_on = timezone.localdate() + datetime.timedelta(days=2)
    batch = batch_publish(batch=_batch(demo, [case], starts_on=starts_on), actor=demo.user("clerk"))
    case.refresh_from_db()
    assert case.notice_started_on == starts_on
    batch_withdraw(batch=batch, actor=demo.user("clerk"), reason="名单有误，重新张贴")
    case.refresh_from_db()
    assert case.notice_started_on is None
    withdrawn = case.events.get(transition="notice_withdrawn")
    assert batch.number in withdrawn.opinion and "名单有误" in withdrawn.opinion

    _shift(monkeypatch, 2 + batch.days)  # the withdrawn period would be over by now
    close = next(
        o
        for o in available_transitions(case=case, user=demo.user("clerk"))
        if o.name == "close_notice"
    )
    assert not close.allowed
    again = batch_publish(batch=_batch(demo, [case]), actor=demo.user("clerk"))
    _shift(monkeypatch, again.days)
    assert batches_close_due().batches == [again.number]
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
