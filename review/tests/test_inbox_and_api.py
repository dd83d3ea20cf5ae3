import datetime
from decimal import Decimal

from django.urls import reverse

from cases.models import CaseClock, CaseState
from cases.workflow.services import case_transition
from review.models import Complaint, Filing
from review.selectors import filing_list_for_user
from review.services import complaint_conclude, spot_check_campaign_create, spot_check_record_visit
from review.tests.conftest import PERIOD
from tests.factories import CaseFactory


def _confirm(demo, **kw):
    case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"), **kw)
    case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    return case


def test_inbox_filters_by_flags_type_and_lateness(demo):
    plain = _confirm(demo)
    relative = _confirm(demo, near_relative_flag=True, county_visit_done=True)
    late = _confirm(demo)
    CaseClock.objects.update_or_create(
        case=late,
        defaults=dict(
            started_on=datetime.date(2026, 9, 1),
            limit_wd=20,
            limit_max_wd=45,
            overall_due=datetime.date(2026, 9, 29),
            due_soon_from=datetime.date(2026, 9, 24),
            on_time=False,
        ),
    )
    CaseClock.objects.filter(case__in=[plain, relative]).update(on_time=True, overdue=False)
    sup = demo.user("supervisor")
    numbers = lambda f: {x.case.number for x in filing_list_for_user(user=sup, filters=f)}  # noqa: E731
    assert numbers({}) == {plain.number, relative.number, late.number}
    assert numbers({"near_relative": True}) == {relative.number}
    assert numbers({"overdue": True}) == {late.number}
    assert numbers({"category": "tekun"}) == set()
    assert numbers({"township": demo.huangchi.pk}) == set()


def test_acknowledging_from_the_inbox(client, demo):
    case = _confirm(demo)
    filing = Filing.objects.get(case=case)
    client.force_login(demo.user("supervisor"))
    response = client.post(reverse("review:filing_acknowledge", args=[filing.pk]))
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.status == Filing.Status.ACKNOWLEDGED and filing.acknowledged_by == demo.user(
        "supervisor"
    )


def test_a_bad_campaign_period_is_reported_at_the_field(client, demo):
    client.force_login(demo.user("supervisor"))
    response = client.post(
        reverse("review:campaigns"),
        {"name": "x", "period_start": "2026-10-31", "period_end": "2026-10-01"},
    )
    assert response.status_code == 200
    assert "截止日期不能早于开始日期" in response.content.decode()


def test_campaign_api_creates_a_reproducible_draw(client, demo, confirmed_case):
    for _ in range(6):
        confirmed_case()
    client.force_login(demo.user("supervisor"))
    response = client.post(
        "/api/review/campaigns/",
        {
            "name": "API抽查",
            "period_start": PERIOD[0].isoformat(),
            "period_end": PERIOD[1].isoformat(),
            "seed": 42,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["seed"] == 42 and len(body["items"]) == 2  # 6 × 0.30 = 1.8 → 2
    verify = client.get(f"/api/review/campaigns/{body['id']}/verify/").json()
    assert verify["reproduced"] is True
    assert sorted(i["case_number"] for i in body["items"]) == verify["sample"]
    client.force_login(demo.user("clerk"))
    assert client.get("/api/review/campaigns/").json()["count"] == 0
    assert (
        client.post(
            "/api/review/campaigns/",
            {"name": "x", "period_start": "2026-10-01", "period_end": "2026-10-31"},
        ).status_code
        == 403
    )


def test_complaint_api_requires_feedback_before_closing_a_named_report(client, demo):
    client.force_login(demo.user("supervisor"))
    response = client.post(
        "/api/review/complaints/",
        {
            "channel": "hotline_12349",
            "named": True,
            "reporter_name": "王某",
            "reporter_phone": "138",
            "content": "x",
            "township": demo.gushu.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]

    complaint_conclude(
        complaint=Complaint.objects.get(pk=pk),
        actor=demo.user("supervisor"),
        result="unfounded",
        result_text="不属实",
    )
    refused = client.post(f"/api/review/complaints/{pk}/close/")
    assert refused.status_code == 400 and "实名举报须先向举报人反馈" in str(refused.json())
    assert (
        client.post(
            f"/api/review/complaints/{pk}/feedback/",
            {"feedback_text": "已告知", "feedback_on": "2026-11-20"},
            content_type="application/json",
        ).status_code
        == 200
    )
    assert client.post(f"/api/review/complaints/{pk}/close/").json()["status"] == "closed"
    client.force_login(demo.user("clerk"))
    assert client.get("/api/review/complaints/").status_code == 403


def test_the_township_sees_a_spot_check_result_only_once_recorded(client, demo, confirmed_case):
    confirmed_case()
    campaign = spot_check_campaign_create(
        actor=demo.user("supervisor"), name="x", period_start=PERIOD[0], period_end=PERIOD[1]
    )
    item = campaign.items.get()
    client.force_login(demo.user("clerk"))
    assert client.get(reverse("review:item_detail", args=[item.pk])).status_code == 404
    spot_check_record_visit(
        item=item,
        actor=demo.user("supervisor"),
        visit_date=datetime.date(2026, 11, 2),
        people_met="户主",
        findings="情况属实",
        outcome="correct",
    )
    response = client.get(reverse("review:item_detail", args=[item.pk]))
    assert response.status_code == 200 and "认定准确" in response.content.decode()
    assert "visit-form" not in response.content.decode()
