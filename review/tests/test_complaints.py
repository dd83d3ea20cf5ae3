import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cases.models import CaseEvent, CaseState
from cases.workflow.services import available_transitions
from relief.models import Region, User
from review.models import Complaint
from review.services import (
    complaint_add_note,
    complaint_assign,
    complaint_close,
    complaint_conclude,
    complaint_record_feedback,
    complaint_register,
    correction_change_amount,
)
from tests.factories import CaseFactory


def test_a_named_report_cannot_be_closed_before_the_reporter_gets_feedback(demo, confirmed_case):
    supervisor = demo.user("supervisor")
    complaint = complaint_register(
        actor=supervisor,
        channel="hotline_12349",
        named=True,
        reporter_name="王某",
        reporter_phone="13800000000",
        content="该户有小轿车",
        case=confirmed_case(),
    )
    complaint_assign(complaint=complaint, actor=supervisor, assignee=demo.user("verifier"))
    complaint_add_note(
        complaint=complaint, actor=demo.user("verifier"), body="车管所查询无车辆登记"
    )
    complaint_conclude(
        complaint=complaint, actor=supervisor, result="unfounded", result_text="举报不属实"
    )
    with pytest.raises(ValidationError) as exc:
        complaint_close(complaint=complaint, actor=supervisor)
    assert "实名举报须先向举报人反馈核查结果" in exc.value.messages[0]
    complaint_record_feedback(
        complaint=complaint,
        actor=supervisor,
        feedback_text="经核查不属实，已电话告知",
        feedback_on=datetime.date(2026, 11, 20),
    )
    complaint_close(complaint=complaint, actor=supervisor)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.feedback_by == supervisor


def test_an_anonymous_report_closes_without_feedback_and_keeps_no_reporter_details(demo):
    supervisor = demo.user("supervisor")
    complaint = complaint_register(
        actor=supervisor,
        channel="letter",
        named=False,
        reporter_name="不应保存",
        content="村干部优亲厚友",
        township=demo.gushu,
    )
    assert complaint.reporter_name == ""
    complaint_conclude(
        complaint=complaint,
        actor=supervisor,
        result="partly",
        result_text="部分属实",
        problem_kind="near_relative",
    )
    complaint_close(complaint=complaint, actor=supervisor)
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.CLOSED


def test_a_named_report_needs_a_name_and_a_contact(demo):
    with pytest.raises(ValidationError) as exc:
        complaint_register(
            actor=demo.user("supervisor"),
            channel="hotline_12349",
            named=True,
            content="x",
            township=demo.gushu,
        )
    assert {"reporter_name", "reporter_phone"} <= set(exc.value.message_dict)
    assert not Complaint.objects.exists()


def test_a_complaint_about_an_open_case_requires_the_county_visit_before_confirmation(demo):
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount="300")
    complaint_register(
        actor=demo.user("supervisor"),
        channel="hotline_12349",
        named=False,
        content="有隐瞒收入",
        case=case,
    )
    case.refresh_from_db()
    assert case.complaint_flag
    event = CaseEvent.objects.get(case=case, transition="complaint_flag")
    assert event.actor == demo.user("supervisor")
    confirm = {o.name: o for o in available_transitions(case=case, user=demo.user("approver"))}[
        "confirm"
    ]
    assert not confirm.allowed
    assert "案件有投诉举报，须经县级入户核查后方可确认" in confirm.reasons


def test_a_complaint_about_a_decided_case_does_not_touch_it(demo, confirmed_case):
    case = confirmed_case()
    complaint_register(
        actor=demo.user("supervisor"), channel="visit", named=False, content="x", case=case
    )
    case.refresh_from_db()
    assert not case.complaint_flag
    assert not CaseEvent.objects.filter(case=case, transition="complaint_flag").exists()


def test_the_assigned_county_staff_member_records_notes_but_does_not_close(client, demo):
    supervisor, verifier = demo.user("supervisor"), demo.user("verifier")
    complaint = complaint_register(
        actor=supervisor, channel="online", named=False, content="x", township=demo.gushu
    )
    complaint_assign(complaint=complaint, actor=supervisor, assignee=verifier)
    client.force_login(verifier)
    url = reverse("review:complaint_detail", args=[complaint.pk])
    assert client.post(url, {"action": "note", "n-body": "已走访村委会"}).status_code == 302
    assert complaint.notes.get().author == verifier
    assert client.post(url, {"action": "close"}).status_code == 403
    client.force_login(demo.user("clerk"))
    assert client.get(url).status_code == 403


def test_a_supervisor_of_another_county_cannot_act_on_this_countys_records(demo, confirmed_case):

    other = Region.objects.create(code="340522000000", name="邻县", level=Region.Level.COUNTY)
    stranger = User.objects.create(username="other_sup", role="county_supervisor", region=other)
    with pytest.raises(PermissionDenied):
        correction_change_amount(
            case=confirmed_case(),
            actor=stranger,
            new_amount="1",
            effective_from=datetime.date(2026, 11, 1),
            reasons="r",
            legal_basis="b",
        )
    with pytest.raises(PermissionDenied):
        complaint_register(
            actor=stranger, channel="visit", named=False, content="x", township=demo.gushu
        )
