"""Roster pages and API: the same services and scoping (another township's roster is 404),
the printable PDF, the county overview and the result import through the browser's form."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader
from rest_framework.test import APIClient

from funds.rosters import services
from funds.rosters.models import RosterRun, RunState
from funds.rosters.tests.conftest import d

pytestmark = pytest.mark.django_db


@pytest.fixture
def locked(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500", name="王桂芳")
    world.recipient(confirmed_on=d(2026, 8, 3), amount="300", name="李四", account=False)
    return world.run_and_lock(d(2026, 9))


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_township_sees_its_roster_and_another_township_gets_404(client, demo, locked):
    client.force_login(demo.user("clerk"))
    page = client.get(reverse("rosters:detail", args=[locked.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert locked.number in html and "待补账户" in html and "李四" in html
    assert "应发 = 已发 + 失败 + 待回盘" in html
    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("rosters:detail", args=[locked.pk])).status_code == 404
    assert client.get(reverse("rosters:pdf", args=[locked.pk])).status_code == 404
    assert locked.number not in client.get(reverse("rosters:list")).content.decode()
    assert api_as(demo.user("clerk_huangchi")).get(f"/api/rosters/{locked.pk}/").status_code == 404
    assert api_as(demo.user("assistant")).get("/api/rosters/").json()["count"] == 0


def test_the_county_sees_every_township_and_its_reconciliation_sheet(client, demo, locked):
    client.force_login(demo.user("supervisor"))
    html = client.get(reverse("rosters:list"), {"year": 2026}).content.decode()
    assert "姑孰镇" in html and locked.number in html
    sheet = client.get(reverse("rosters:county_export"), {"year": 2026})
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("乡镇(街道)", "月份", "救助类型", "类别", "状态")
    assert rows[1][0] == "姑孰镇" and rows[1][7] == 500 and rows[1][12] == 1
    data = api_as(demo.user("supervisor")).get(f"/api/rosters/{locked.pk}/").json()
    assert data["reconciliation"]["due"] == "500.00"
    assert data["reconciliation"]["balanced"] is True
    # The county sees, but the township exports: the bank file is the township's.
    assert (
        client.post(reverse("rosters:export", args=[locked.pk]), {"format": "csv"}).status_code
        == 403
    )
    assert locked.exports.count() == 0


def test_the_list_pages_query_count_does_not_grow_with_runs(
    client, demo, world, django_assert_max_num_queries
):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    for month in (9, 10, 11):
        world.run_and_lock(d(2026, month))
    client.force_login(demo.user("clerk"))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("rosters:list"), {"year": 2026}).status_code == 200


def test_the_pdf_is_a4_landscape_with_the_signatures_block(client, demo, locked):
    client.force_login(demo.user("approver"))
    response = client.get(reverse("rosters:pdf", args=[locked.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    text = "".join(page.extract_text() for page in reader.pages)
    for needle in (
        "发放花名册",
        "王桂芳",
        "500.00",
        "制表：陈晓燕",
        "复核：陈晓燕",
        "审核：刘德明",
    ):
        assert needle in text


def test_the_clerk_starts_checks_and_the_approver_locks_through_the_api(
    client, demo, world, django_capture_on_commit_callbacks
):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    clerk = api_as(demo.user("clerk"))
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(
            "/api/rosters/",
            {"month": "2026-09-01", "assistance_type": world.type.pk},
            format="json",
        )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert RosterRun.objects.get(pk=pk).state == RunState.PREPARED
    again = clerk.post(
        "/api/rosters/", {"month": "2026-09-01", "assistance_type": world.type.pk}, format="json"
    )
    assert again.status_code == 400 and "已有一份未锁定的" in str(again.json()["detail"])
    assert clerk.post(f"/api/rosters/{pk}/check/").json()["state"] == "checked"
    refused = clerk.post(f"/api/rosters/{pk}/lock/")
    assert refused.status_code == 403
    locked = api_as(demo.user("approver")).post(f"/api/rosters/{pk}/lock/")
    assert locked.json()["state"] == "locked"
    lines = clerk.get(f"/api/rosters/{pk}/lines/").json()
    assert lines["count"] == 1 and lines["results"][0]["amount"] == "500.00"
    assert "应发500.00元" in lines["results"][0]["why"]
    with django_capture_on_commit_callbacks(execute=True):
        export = clerk.post(f"/api/rosters/{pk}/exports/", {"format": "csv"}, format="json")
    assert export.status_code == 202
    exports = clerk.get(f"/api/rosters/{pk}/exports/").json()
    assert [e["row_count"] for e in exports] == [1]
    client.force_login(demo.user("clerk"))
    download = client.get(exports[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith("\ufeff乡镇代码".encode())
    line_id = lines["results"][0]["line_id"]
    upload = SimpleUploadedFile(
        "result.csv", f"明细编号,结果,失败原因\n{line_id},成功,\n".encode(), "text/csv"
    )
    result = clerk.post(f"/api/rosters/{pk}/results/", {"file": upload}, format="multipart")
    assert result.status_code == 200 and result.json()["paid_count"] == 1
    assert RosterRun.objects.get(pk=pk).paid_amount == Decimal("500.00")


def test_a_bad_result_file_through_the_page_names_every_row(client, demo, locked):
    client.force_login(demo.user("clerk"))
    upload = SimpleUploadedFile(
        "result.csv", "明细编号,结果,失败原因\nX-1,成功,\n,失败,\n".encode(), "text/csv"
    )
    response = client.post(reverse("rosters:results", args=[locked.pk]), {"file": upload})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        "文件未导入" in html
        and "第2行：明细编号 X-1 不存在" in html
        and "第3行：明细编号为空" in html
    )


def test_a_month_already_locked_is_refused_at_the_form(client, demo, world, locked):
    client.force_login(demo.user("clerk"))
    response = client.post(
        reverse("rosters:new"),
        {"month": "2026-09", "assistance_type": world.type.pk, "kind": "regular"},
    )
    assert response.status_code == 200
    assert "月度花名册已锁定" in response.content.decode()
    assert RosterRun.objects.count() == 1


def test_the_county_statistics_show_the_amounts_paid(client, demo, world, locked):
    first = locked.lines.filter(channel="bank").get()
    services.roster_import_results(
        run=locked,
        filename="回盘.csv",
        data=f"明细编号,结果,失败原因\n{first.line_id},成功,\n".encode(),
        actor=world.clerk,
    )
    client.force_login(demo.user("supervisor"))
    period = {"from": "2026-09-01", "to": "2026-12-31"}
    response = client.get(reverse("review:stats"), period)
    assert "发放金额(元)" in response.context["figure_labels"]
    rows = {r["township"].name: r for r in response.context["rows"]}
    assert rows["姑孰镇"]["figures"] == [Decimal("500.00")]
    assert rows["黄池镇"]["figures"] == [Decimal("0.00")]
    sheet = load_workbook(io.BytesIO(client.get(reverse("review:stats_xlsx"), period).content))[
        "监管统计"
    ]
    header = [c.value for c in sheet[2]]
    gushu = next(row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == "姑孰镇")
    assert gushu[header.index("发放金额(元)")] == 500
    # A period without a locked roster counts nothing.
    early = client.get(reverse("review:stats"), {"from": "2026-01-01", "to": "2026-08-31"})
    assert {r["township"].name: r for r in early.context["rows"]}["姑孰镇"]["figures"] == [
        Decimal("0.00")
    ]
