"""A notice objection after the period is a real complaint of the county (issue 11): the
notice service fires ``cases.workflow.hooks.late_objection_recorded``, review registers a
Complaint numbered from the objection, once however often it fires; it shows in the county's
complaint list and API, and whoever recorded the objection is told it went in as one."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import CaseState
from cases.notices.models import NoticeKind, Objection
from cases.notices.services import (
    LATE_OBJECTION_MESSAGE,
    batch_create,
    batch_publish,
    objection_record,
)
from cases.workflow.hooks import late_objection_recorded
from relief.models import AssistanceType, Notification
from review.models import Complaint
from review.services import complaint_from_objection, objection_complaint_number
from tests.factories import CaseFactory, HouseholdFactory


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # the public form's rate limit counts per address in the cache
    yield
    cache.clear()


def _case(demo, state=CaseState.PRE_NOTICE):
    household = HouseholdFactory(village=demo.village, township=demo.village.parent)
    return CaseFactory(
        household=household,
        assistance_type=AssistanceType.objects.get(code="dibao_rural"),
        documents_complete=True,
        force_state=state,
    )


def _published(demo, cases):
    batch = batch_create(
        actor=demo.user("clerk"),
        village=demo.village,
        kind=NoticeKind.PRE,
        cases=cases,
        starts_on=timezone.localdate(),
        place="城东社区公示栏",
        phone="0555-6661234",
    )
    return batch_publish(batch=batch, actor=demo.user("clerk"))


@pytest.fixture
def after_period():
    """Moves the clock (time-machine: model defaults follow too) past a batch's period."""
    travels = []

    def move(batch) -> None:
        travel = time_machine.travel(
            timezone.now() + datetime.timedelta(days=batch.days + 2), tick=True
        )
        travel.start()
        travels.append(travel)

    yield move
    for travel in reversed(travels):
        travel.stop()


def test_a_late_objection_on_the_township_page_is_one_complaint_in_the_county_list(
    client, demo, after_period, django_capture_on_commit_callbacks
):
    case = _case(demo)
    batch = _published(demo, [case])
    after_period(batch)
    client.force_login(demo.user("clerk"))
    url = reverse("cases:notice_batch_objection", args=[batch.pk])
    body = {
        "case": case.pk,
        "raised_by": "王五",
        "contact": "13900001111",
        "text": "该户有营运车辆",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    objection = Objection.objects.get()
    number = objection_complaint_number(objection)
    assert LATE_OBJECTION_MESSAGE in page and number in page

    complaint = Complaint.objects.get()
    assert complaint.number == number and complaint.county == demo.county
    assert complaint.channel == Complaint.Channel.VISIT
    assert complaint.named and complaint.reporter_name == "王五"
    assert complaint.reporter_phone == "13900001111"
    assert complaint.case == case and complaint.township == demo.gushu
    assert batch.number in complaint.content and "该户有营运车辆" in complaint.content
    assert complaint.received_by == demo.user("clerk")
    assert complaint.status == Complaint.Status.RECEIVED
    case.refresh_from_db()
    assert case.complaint_flag and case.state == CaseState.PRE_NOTICE
    late = case.events.get(transition="late_objection")
    assert late.data["complaints"] == [number]
    # the case was flagged by the objection: no second flag event signed for the county
    assert not case.events.filter(transition="complaint_flag").exists()
    # the county's supervisors are told
    assert Notification.objects.filter(
        recipient=demo.user("supervisor"), url__endswith=f"/{complaint.pk}/"
    ).exists()

    # the same objection sent twice (a double click) is recorded once
    again = client.post(url, body, follow=True)
    assert "无需重复提交" in again.content.decode()
    assert (Objection.objects.count(), Complaint.objects.count()) == (1, 1)

    # the county's complaint list shows it; the township never sees the register
    client.force_login(demo.user("supervisor"))
    listing = client.get(reverse("review:complaints")).content.decode()
    assert number in listing
    detail = client.get(reverse("review:complaint_detail", args=[complaint.pk]))
    assert detail.status_code == 200 and "该户有营运车辆" in detail.content.decode()


def test_re_firing_the_hook_or_calling_the_service_again_makes_no_second_complaint(
    demo, after_period
):
    case = _case(demo)
    batch = _published(demo, [case])
    after_period(batch)
    outcome = objection_record(
        case=case, batch=batch, text="该户儿子在城里有房", actor=demo.user("clerk"), anonymous=True
    )
    first = Complaint.objects.get()
    responses = late_objection_recorded.send(
        sender=Objection, objection=outcome.objection, actor=demo.user("clerk")
    )
    assert first.number in [number for _, number in responses]
    assert complaint_from_objection(outcome.objection) == first
    assert Complaint.objects.count() == 1
    # a different objection is a different report
    objection_record(
        case=case, batch=batch, text="该户有经营性收入", actor=demo.user("clerk"), anonymous=True
    )
    assert Complaint.objects.count() == 2


def test_an_anonymous_late_objection_through_the_api_is_an_anonymous_complaint(demo, after_period):
    case = _case(demo)
    batch = _published(demo, [case])
    after_period(batch)
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    body = {
        "case": case.pk,
        "batch": batch.pk,
        "text": "该户有小轿车",
        "anonymous": True,
        "raised_by": "不应登记",
        "contact": "13800000000",
    }
    recorded = api.post("/api/notices/objections/", body, format="json")
    assert recorded.status_code == 201, recorded.json()
    message = recorded.json()["message"]
    assert message.startswith(LATE_OBJECTION_MESSAGE)
    complaint = Complaint.objects.get()
    assert complaint.number in message
    assert not complaint.named
    assert (complaint.reporter_name, complaint.reporter_phone) == ("", "")
    assert "不应登记" not in complaint.content
    assert "匿名异议，留有联系方式：13800000000" in complaint.content
    # the retried request answers the same objection
    retried = api.post("/api/notices/objections/", body, format="json")
    assert retried.status_code == 201
    assert retried.json()["objection"]["id"] == recorded.json()["objection"]["id"]
    assert Complaint.objects.count() == 1

    supervisor = APIClient()
    supervisor.force_authenticate(demo.user("supervisor"))
    listed = supervisor.get("/api/review/complaints/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["number"] for row in rows] == [complaint.number]
    township = APIClient()
    township.force_authenticate(demo.user("clerk"))
    assert township.get("/api/review/complaints/").status_code == 403


def test_a_named_objection_without_a_contact_keeps_the_name_in_the_content(demo):
    # No batch at all: a household with no open notice, recorded as a complaint at once.
    case = _case(demo, state=CaseState.REVIEW)
    outcome = objection_record(
        case=case, text="该户隐瞒收入", actor=demo.user("clerk"), raised_by="李四"
    )
    assert outcome.objection.is_complaint and LATE_OBJECTION_MESSAGE in outcome.message
    complaint = Complaint.objects.get()
    assert not complaint.named  # no way to feed back: not a named report
    assert "异议人：李四（未留联系方式）" in complaint.content
    assert "未在公示中" in complaint.content


def test_a_late_objection_from_the_public_page_is_an_online_complaint(demo, client, after_period):
    case = _case(demo)
    batch = _published(demo, [case])
    after_period(batch)
    response = client.post(
        f"/public/notices/{batch.token}/objection/",
        {"household": "1", "text": "该户长期在外务工有收入"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and LATE_OBJECTION_MESSAGE in body
    complaint = Complaint.objects.get()
    assert complaint.number in body
    assert complaint.channel == Complaint.Channel.ONLINE and not complaint.named
    assert complaint.received_by.username == f"system-{demo.gushu.code}"
    assert complaint.county == demo.county and complaint.case == case


def test_a_second_objection_during_the_period_joins_the_re_investigation(demo):
    case = _case(demo)
    batch = _published(demo, [case])
    clerk = demo.user("clerk")
    first = objection_record(case=case, batch=batch, text="有车", actor=clerk, anonymous=True)
    second = objection_record(case=case, batch=batch, text="还有房", actor=clerk, anonymous=True)
    assert not first.objection.is_complaint and not second.objection.is_complaint
    assert "一并复查" in second.message
    assert not Complaint.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.OBJECTION and not case.complaint_flag
    assert case.events.filter(transition="objection_joined").count() == 1


def test_a_refused_complaint_rolls_the_objection_back(demo, after_period):
    case = _case(demo)
    batch = _published(demo, [case])
    after_period(batch)

    def refuse(sender, **kwargs):
        raise RuntimeError("register down")

    late_objection_recorded.connect(refuse, dispatch_uid="test.refuse")
    try:
        with pytest.raises(RuntimeError):
            objection_record(case=case, batch=batch, text="有车", actor=demo.user("clerk"))
    finally:
        late_objection_recorded.disconnect(dispatch_uid="test.refuse")
    assert not Objection.objects.exists() and not Complaint.objects.exists()
    case.refresh_from_db()
    assert not case.complaint_flag
