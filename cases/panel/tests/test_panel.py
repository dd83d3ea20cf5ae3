"""The township's review panel: recording a meeting (service, page, API), its minutes as a
PDF, and the confirmation that must name a meeting which reviewed the case when the policy
says so. Refusals change nothing."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from cases.models import Case, CaseEvent, CaseState, PanelMeeting, PanelReview
from cases.panel.rules import PANEL_MISSING, PANEL_NOT_REVIEWED, PANEL_PENDING
from cases.panel.services import panel_meeting_record
from cases.workflow.services import TransitionRefused, available_transitions, case_transition
from cases.workflow.tests.helpers import LONG_AGO, fast_passwords, make_case  # noqa: F401
from relief.models import PolicySetting

MEMBERS = ["刘德明", "陈晓燕", "王村长"]


def review_case(township) -> Case:
    return make_case(
        township,
        force_state=CaseState.REVIEW,
        check_status="returned",
        survey_status="complete",
        monthly_amount=Decimal("300.00"),
        notice_started_on=LONG_AGO,
        accepted_on=LONG_AGO,
    )


def opinions(text="同意") -> dict:
    return {name: f"{name}：{text}" for name in MEMBERS}


def record(demo, *cases, actor="clerk") -> PanelMeeting:
    return panel_meeting_record(
        actor=demo.user(actor),
        held_on=LONG_AGO,
        members=MEMBERS,
        minutes="审议了本月待确认案件的材料。",
        reviews=[{"case": c, "conclusion": "agree", "opinions": opinions()} for c in cases],
    )


@pytest.fixture
def panel_required(demo):
    PolicySetting.objects.create(
        region=demo.gushu,
        key="panel_required_for_confirmation",
        value=True,
        effective_from=LONG_AGO,
    )


def snapshot(case) -> tuple:
    case.refresh_from_db()
    return (case.state, case.decided_on, CaseEvent.objects.filter(case=case).count())


def test_a_meeting_records_members_cases_opinions_and_logs_each_case(demo):
    a, b = review_case(demo.gushu), review_case(demo.gushu)
    meeting = record(demo, a, b)
    assert meeting.members == MEMBERS and meeting.township == demo.gushu
    review = PanelReview.objects.get(meeting=meeting, case=a)
    assert [o["member"] for o in review.opinions] == MEMBERS
    for case in (a, b):
        event = CaseEvent.objects.get(case=case, transition="panel_review")
        assert event.label == "评审小组集体研究" and event.data["meeting"] == meeting.pk


def test_a_missing_opinion_or_another_townships_case_saves_nothing(demo):
    mine, other = review_case(demo.gushu), review_case(demo.wuxi)
    before = (PanelMeeting.objects.count(), snapshot(mine))
    partial = opinions()
    del partial["王村长"]
    with pytest.raises(Exception) as exc:
        panel_meeting_record(
            actor=demo.user("clerk"),
            held_on=LONG_AGO,
            members=MEMBERS,
            minutes="纪要",
            reviews=[
                {"case": mine, "conclusion": "agree", "opinions": partial},
                {"case": other, "conclusion": "agree", "opinions": opinions()},
            ],
        )
    errors = exc.value.message_dict
    assert errors["reviews.0"] == [f"案件 {mine.number}：请填写王村长的意见"]
    assert errors["reviews.1"] == ["请选择本乡镇的案件"]
    assert (PanelMeeting.objects.count(), snapshot(mine)) == before


def test_confirmation_needs_a_meeting_that_reviewed_the_case(demo, panel_required):
    case, elsewhere = review_case(demo.gushu), review_case(demo.gushu)
    approver = demo.user("approver")
    option = next(o for o in available_transitions(case=case, user=approver) if o.name == "confirm")
    assert not option.allowed and PANEL_PENDING in option.reasons
    before = snapshot(case)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(case=case, name="confirm", actor=approver, opinion="同意")
    assert PANEL_MISSING in exc.value.messages
    other_meeting = record(demo, elsewhere)
    with pytest.raises(TransitionRefused) as exc:
        case_transition(
            case=case,
            name="confirm",
            actor=approver,
            opinion="同意",
            data={"panel_meeting": other_meeting.pk},
        )
    assert PANEL_NOT_REVIEWED in exc.value.messages
    assert snapshot(case) == before

    meeting = record(demo, case)
    option = next(o for o in available_transitions(case=case, user=approver) if o.name == "confirm")
    assert option.allowed and [pk for pk, _ in option.panel_meetings] == [meeting.pk]
    event = case_transition(
        case=case,
        name="confirm",
        actor=approver,
        opinion="同意",
        data={"panel_meeting": str(meeting.pk)},
    )
    assert case.state == CaseState.CONFIRMED and event.data["panel_meeting"] == meeting.pk


def test_without_the_policy_no_meeting_is_needed(demo):
    case = review_case(demo.gushu)
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert case.state == CaseState.CONFIRMED


def test_case_page_offers_the_meeting_on_the_confirm_form(demo, panel_required, client):
    case = review_case(demo.gushu)
    client.force_login(demo.user("approver"))
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert PANEL_PENDING in page
    meeting = record(demo, case)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'name="panel_meeting"' in page and f'value="{meeting.pk}"' in page
    before = snapshot(case)
    client.post(reverse("cases:transition", args=[case.pk, "confirm"]), {"opinion": "同意"})
    assert snapshot(case) == before
    client.post(
        reverse("cases:transition", args=[case.pk, "confirm"]),
        {"opinion": "同意", "panel_meeting": meeting.pk},
    )
    case.refresh_from_db()
    assert case.state == CaseState.CONFIRMED


def test_api_confirm_names_the_meeting(demo, panel_required):
    case = review_case(demo.gushu)
    api = APIClient()
    api.force_authenticate(demo.user("approver"))
    url = f"/api/cases/{case.pk}/transitions/confirm/"
    before = snapshot(case)
    response = api.post(url, {"opinion": "同意"}, format="json")
    assert response.status_code == 400
    assert PANEL_MISSING in response.json()["errors"]["non_field_errors"]
    assert snapshot(case) == before
    meeting = record(demo, case)
    listed = api.get(f"/api/cases/{case.pk}/transitions/").json()
    confirm = next(o for o in listed if o["name"] == "confirm")
    assert confirm["panel_meetings"][0]["id"] == meeting.pk
    response = api.post(url, {"opinion": "同意", "panel_meeting": meeting.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == CaseState.CONFIRMED


def test_api_records_a_meeting_and_another_township_gets_404(demo):
    case = review_case(demo.gushu)
    api = APIClient()
    api.force_authenticate(demo.user("clerk"))
    body = {
        "held_on": LONG_AGO.isoformat(),
        "members": MEMBERS,
        "minutes": "审议材料",
        "reviews": [{"case": case.pk, "conclusion": "agree", "opinions": opinions()}],
    }
    response = api.post("/api/panel/meetings/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["members"] == MEMBERS and data["reviews"][0]["case_number"] == case.number
    assert api.post("/api/panel/meetings/", [1], format="json").status_code == 400
    assert PanelMeeting.objects.count() == 1
    other = APIClient()
    other.force_authenticate(demo.user("clerk_huangchi"))
    assert other.get(f"/api/panel/meetings/{data['id']}/").status_code == 404
    assert other.get("/api/panel/meetings/").json() == []


def test_page_records_a_meeting_and_the_minutes_pdf_has_its_text(demo, client):
    case = review_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("cases:panel_meetings")).status_code == 200
    response = client.post(
        reverse("cases:panel_meetings"),
        {
            "held_on": LONG_AGO.isoformat(),
            "members": "、".join(MEMBERS),
            "minutes": "审议了待确认案件",
            f"case_{case.pk}": "1",
            f"conclusion_{case.pk}": "agree",
            f"opinions_{case.pk}": "\n".join(f"{n}：同意" for n in MEMBERS),
        },
    )
    assert response.status_code == 302
    meeting = PanelMeeting.objects.get()
    assert client.get(reverse("cases:panel_meeting", args=[meeting.pk])).status_code == 200
    pdf = client.get(reverse("cases:panel_minutes_pdf", args=[meeting.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "评审小组会议纪要" in text and case.number in text and "王村长" in text
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("cases:panel_minutes_pdf", args=[meeting.pk])).status_code == 404


def test_page_with_a_missing_opinion_shows_the_error_and_saves_nothing(demo, client):
    case = review_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("cases:panel_meetings"),
        {
            "held_on": LONG_AGO.isoformat(),
            "members": "、".join(MEMBERS),
            "minutes": "审议",
            f"case_{case.pk}": "1",
            f"conclusion_{case.pk}": "agree",
            f"opinions_{case.pk}": "刘德明：同意",
        },
    )
    assert response.status_code == 400
    assert "请填写陈晓燕的意见" in response.content.decode()
    assert not PanelMeeting.objects.exists()
