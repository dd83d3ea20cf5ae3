"""急难型临时救助: registration (with or without an identity), help first by tier, the two
clocks on the one engine, the yearly same-cause limit, the payment line in funds."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseClock, CaseState, Emergency, EmergencyGrant, StepKind
from cases.temporary import services, yearly
from cases.workflow.services import available_transitions
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from relief.models import PolicySetting
from tests.factories import make_id_number

BJ = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date


@pytest.fixture
def travel(monkeypatch):
    """Set the wall clock (``timezone.now``) to a given moment (time-machine is not installed)."""

    def to(moment: datetime.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return to


def register(demo, user="assistant", *, id_number="auto", pending=False, cause="火灾", **kw):
    data = {
        "person_name": kw.pop("person_name", "王大山"),
        "id_number": ""
        if pending
        else (make_id_number(birth=D(1970, 5, 1)) if id_number == "auto" else id_number),
        "identity_pending": pending,
        "identity_note": "约60岁男性，自述姓王，火灾后在村委会暂住" if pending else "",
        "cause": cause,
        "needs": "临时住所和生活用品",
        "address": "城东社区幸福路1号",
        "hukou_type": "rural",
    }
    data.update(kw)
    return services.emergency_register(actor=demo.user(user), village=demo.village, **data)


def grant(demo, case, user="clerk", *, body="township", amount="500", kind="cash", **kw):
    return services.emergency_grant_create(
        case=case,
        actor=demo.user(user),
        body=body,
        kind=kind,
        description=kw.pop("description", "生活救助金"),
        amount=amount,
        **kw,
    )


def test_registration_with_an_id_starts_the_24_hour_clock(demo, travel):
    start = datetime.datetime(2026, 3, 6, 22, 30, tzinfo=BJ)  # a Friday night
    travel(start)
    case = register(demo)
    assert case.assistance_type.code == "temp_emergency" and case.state == CaseState.DRAFT
    assert case.applicant is not None and case.applicant.name == "王大山"
    clock = CaseClock.objects.get(case=case)
    assert clock.step_kind == StepKind.EMERGENCY_HELP
    assert clock.step_due_at == datetime.datetime(2026, 3, 7, 22, 30, tzinfo=BJ)  # Saturday
    assert case.events.filter(transition="emergency_register").exists()


def test_refusals_at_the_field_save_nothing(demo):
    with pytest.raises(ValidationError) as exc:
        register(demo, id_number="", cause="")
    errors = exc.value.message_dict
    assert errors["cause"] == ["请选择事由"]
    assert errors["id_number"] == ["请填写身份证号，或选择身份待核"]
    with pytest.raises(ValidationError) as exc:
        register(demo, cause="失恋")
    assert "事由须为" in exc.value.message_dict["cause"][0]
    with pytest.raises(ValidationError) as exc:
        register(demo, pending=True, identity_note="")
    assert "身份待核须填写身份描述" in exc.value.message_dict["identity_note"][0]
    assert not Emergency.objects.exists()


def test_identity_pending_blocks_completion_until_the_id_is_known(demo):
    case = register(demo, pending=True)
    emergency = case.emergency
    assert emergency.identity_pending and case.applicant_id is None
    from cases.workflow import guards

    assert not guards.identity_known(case)
    assert "身份待核" in guards.reason_of(guards.identity_known, case)
    number = make_id_number(birth=D(1966, 2, 3))
    services.emergency_identify(case=case, actor=demo.user("clerk"), id_number=number)
    case.refresh_from_db()
    assert case.applicant.id_number == number
    assert guards.identity_known(case)


def test_identity_pending_only_for_emergencies(demo):
    """Only the emergency registration takes 身份待核; the ordinary application needs the ID."""
    from cases.intake.services.application import application_create
    from relief.models import AssistanceType

    with pytest.raises(ValidationError) as exc:
        application_create(
            actor=demo.user("assistant"),
            village=demo.village,
            assistance_type=AssistanceType.objects.get(code="temp_expense"),
            household={"address": "幸福路2号", "hukou_type": "rural"},
            members=[{"name": "李四", "id_number": "", "relation": "self", "hukou_type": "rural"}],
        )
    assert "members-0-id_number" in exc.value.message_dict


@pytest.mark.parametrize(
    ("body", "amount", "ok", "decider"),
    [
        ("village", "999.99", True, ""),
        ("village", "1000", True, ""),
        ("village", "1000.01", False, "乡镇(街道)"),
        ("township", "1000.01", True, ""),
        ("township", "2000", True, ""),
        ("township", "2000.01", False, "县民政局"),
        ("county", "2500", True, ""),
    ],
)
def test_tier_boundaries(demo, body, amount, ok, decider):
    case = register(demo)
    user = {"village": "assistant", "township": "clerk", "county": "supervisor"}[body]
    if ok:
        g = grant(demo, case, user, body=body, amount=amount)
        assert g.amount == Decimal(amount)
    else:
        with pytest.raises(ValidationError) as exc:
            grant(demo, case, user, body=body, amount=amount)
        message = exc.value.message_dict["amount"][0]
        assert f"须由{decider}决定" in message
        assert not EmergencyGrant.objects.exists()


def test_village_and_township_together_up_to_3000_then_the_county(demo):
    case = register(demo)
    grant(demo, case, "assistant", body="village", amount="1000")
    grant(demo, case, "clerk", body="township", amount="2000")  # together 3000: the township
    other = register(demo, cause="交通事故", id_number=make_id_number(birth=D(1980, 1, 1)))
    grant(demo, other, "assistant", body="village", amount="1000")
    with pytest.raises(ValidationError) as exc:
        grant(demo, other, "clerk", body="township", amount="2000.01")
    assert "须由县民政局决定" in exc.value.message_dict["amount"][0]
    assert "超过村镇审批上限" in exc.value.message_dict["amount"][0]


def test_a_second_same_cause_grant_in_the_year_goes_to_the_county(demo):
    number = make_id_number(birth=D(1975, 7, 7))
    first = register(demo, id_number=number)
    grant(demo, first, amount="300")
    second = register(demo, id_number=number)
    with pytest.raises(ValidationError) as exc:
        grant(demo, second, amount="300")
    assert "同一事由已救助1次" in exc.value.message_dict["amount"][0]
    g = grant(demo, second, "supervisor", body="county", amount="300")
    assert g.body == "county"
    summary = yearly.year_figures(second, year=g.year)
    assert summary["total"] == Decimal("600") and summary["same_cause_count"] == 1


@pytest.mark.parametrize("raw", ["-5", "abc", "0", "1.234", "NaN"])
def test_negative_or_non_numeric_amount_refused_at_the_field(demo, raw):
    case = register(demo)
    with pytest.raises(ValidationError) as exc:
        grant(demo, case, amount=raw)
    assert "amount" in exc.value.message_dict
    assert not EmergencyGrant.objects.exists()


def test_the_grant_stops_the_help_clock_and_starts_5_working_days(demo, travel):
    start = datetime.datetime(2026, 4, 1, 20, 0, tzinfo=BJ)  # Wednesday night
    travel(start)
    case = register(demo)
    helped = datetime.datetime(2026, 4, 2, 10, 0, tzinfo=BJ)  # Thursday, 14 hours later
    travel(helped)
    grant(demo, case, amount="800")
    clock = CaseClock.objects.get(case=case)
    assert clock.step_kind == StepKind.EMERGENCY_FILE and clock.step_due_at is None
    # 4/3 Fri, (4/4–4/6 清明), 4/7, 4/8, 4/9, 4/10 → the fifth working day is Friday 4/10.
    assert clock.step_due == D(2026, 4, 10)
    case.emergency.refresh_from_db()
    assert case.emergency.helped_at == helped
    # a second grant does not restart the paperwork clock
    travel(datetime.datetime(2026, 4, 7, 9, 0, tzinfo=BJ))
    grant(demo, case, "assistant", body="village", amount="200")
    clock.refresh_from_db()
    assert clock.step_due == D(2026, 4, 10)


def test_accepting_keeps_the_emergency_step(demo):
    case = register(demo, user="clerk")
    from cases.workflow.services import case_transition

    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    case_transition(case=case, name="accept", actor=demo.user("clerk"), opinion="")
    assert CaseClock.objects.get(case=case).step_kind == StepKind.EMERGENCY_HELP


def test_the_township_staff_see_their_own_only(demo):
    from django.http import Http404

    from cases.temporary.selectors import emergency_get_for_user

    case = register(demo)
    assert emergency_get_for_user(user=demo.user("clerk"), pk=case.pk)
    with pytest.raises(Http404):
        emergency_get_for_user(user=demo.user("clerk_wuxi"), pk=case.pk)
    with pytest.raises(ValidationError):
        grant(demo, case, "clerk_wuxi")


def test_skipped_steps_follow_the_county_policy(demo):
    from cases.temporary.selectors import skipped_steps

    PolicySetting.objects.create(
        region=demo.county,
        key="emergency_skip_evaluation",
        value=False,
        effective_from=D(2020, 1, 1),
    )
    case = register(demo)
    steps = [s.step for s in skipped_steps(case.policy)]
    assert steps == ["经济状况核对", "公示"]
    assert available_transitions  # the page reads the same policy


def test_a_pending_identity_is_the_reason_the_file_cannot_go_on(demo):
    from cases.workflow.services import case_transition

    case = register(demo, pending=True, user="clerk")
    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    grant(demo, case, amount="500")  # help first, whatever the identity
    with pytest.raises(ValidationError) as exc:
        case_transition(case=case, name="accept", actor=demo.user("clerk"), opinion="")
    assert "当事人身份待核" in " ".join(exc.value.messages)
    services.emergency_identify(
        case=case, actor=demo.user("clerk"), id_number=make_id_number(birth=D(1960, 1, 1))
    )
    case.refresh_from_db()
    case_transition(case=case, name="accept", actor=demo.user("clerk"), opinion="")
    assert case.state == CaseState.ACCEPTED
    clock = CaseClock.objects.get(case=case)
    assert clock.step_kind == StepKind.EMERGENCY_FILE  # the paperwork clock runs on


def _to_review(demo, case):
    from cases.workflow.tests.helpers import go

    case.refresh_from_db()  # the grants set the amount
    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    go(case, "accept", "clerk")
    go(case, "start_investigation", "clerk")
    case.survey_status = "complete"
    go(case, "finish_investigation", "clerk")
    assert case.state == CaseState.REVIEW


def test_the_file_is_completed_by_the_township_with_the_granted_amount(demo):
    from cases.workflow.tests.helpers import go

    case = register(demo, user="clerk")
    grant(demo, case, "assistant", body="village", amount="1000")
    grant(demo, case, "clerk", body="township", amount="2000")
    _to_review(demo, case)
    case.refresh_from_db()
    assert case.monthly_amount == Decimal("3000")
    assert go(case, "confirm", "approver") == CaseState.CONFIRMED  # village + township ≤ 3000
    clock = CaseClock.objects.get(case=case)
    assert clock.stopped_on is not None and clock.on_time


def test_a_county_grant_sends_the_file_to_the_county(demo):
    from cases.workflow.tests.helpers import go

    case = register(demo, user="clerk")
    grant(demo, case, "supervisor", body="county", amount="4000")
    _to_review(demo, case)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        go(case, "confirm", "approver")
    assert "须报县审批" in " ".join(exc.value.messages)
    assert go(case, "refer_to_county", "clerk") == CaseState.COUNTY_REVIEW


def _county_sets(demo, key, value):
    PolicySetting.objects.create(
        region=demo.county, key=key, value=value, effective_from=D(2020, 1, 1)
    )


def test_a_county_that_keeps_the_check_and_the_evaluation_routes_the_file_through_them(demo):
    from cases.workflow.tests.helpers import go

    _county_sets(demo, "emergency_skip_check", False)
    _county_sets(demo, "emergency_skip_evaluation", False)
    case = register(demo, user="clerk")
    grant(demo, case, amount="500")
    case.refresh_from_db()
    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    go(case, "accept", "clerk")
    assert go(case, "start_investigation", "clerk") in (CaseState.CHECKING, CaseState.INVESTIGATING)
    case.survey_status, case.check_status = "complete", "returned"
    if case.state == CaseState.CHECKING:
        go(case, "finish_check", "clerk")
    assert go(case, "finish_investigation", "clerk") == CaseState.EVALUATING
    assert go(case, "finish_evaluation", "clerk") == CaseState.REVIEW  # the notice is skipped
    from cases.temporary.selectors import skipped_steps

    assert [s.step for s in skipped_steps(case.policy)] == ["公示"]


def test_with_all_steps_skipped_the_file_goes_from_the_visit_to_the_decision(demo):
    from cases.workflow.tests.helpers import go

    case = register(demo, user="clerk")
    grant(demo, case, amount="500")
    case.refresh_from_db()
    case.documents_complete = True
    case.save(update_fields=["documents_complete"])
    go(case, "accept", "clerk")
    assert go(case, "start_investigation", "clerk") == CaseState.VISITING
    case.survey_status = "complete"
    assert go(case, "finish_investigation", "clerk") == CaseState.REVIEW


def test_the_daily_scan_marks_an_unhelped_emergency_overdue_by_the_hour(demo, travel):
    from cases.clocks.services import scan_deadlines

    start = datetime.datetime(2026, 3, 6, 22, 30, tzinfo=BJ)  # Friday night
    travel(start)
    case = register(demo)
    travel(datetime.datetime(2026, 3, 7, 19, 0, tzinfo=BJ))  # Saturday, 20.5 hours later
    assert scan_deadlines().step_due_soon_marked == 1
    travel(datetime.datetime(2026, 3, 7, 22, 31, tzinfo=BJ))  # across midnight and a weekend day
    assert scan_deadlines().step_overdue_marked == 1
    clock = CaseClock.objects.get(case=case)
    assert clock.step_overdue and clock.step_kind == StepKind.EMERGENCY_HELP
    # help comes late: the help step is over and the paperwork clock starts (Mon–Fri)
    grant(demo, case, amount="300")
    clock.refresh_from_db()
    assert not clock.step_overdue and clock.step_due == D(2026, 3, 13)
