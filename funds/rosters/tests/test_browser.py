"""In the browser (Debian chromium): the clerk runs a month's roster and checks it, the
approver locks it and downloads the bank file."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from funds.rosters.models import RosterRun, RunState
from funds.rosters.tests.conftest import d

pytestmark = pytest.mark.browser


def test_the_clerk_runs_and_checks_and_the_approver_locks_and_downloads(
    world, live_server, browser_session, tmp_path
):
    world.recipient(confirmed_on=d(2026, 9, 15), amount="530", name="王桂芳")
    world.recipient(confirmed_on=d(2026, 10, 8), amount="410", name="李长青", account=False)
    with browser_session("clerk") as page:
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{live_server.url}/funds/rosters/")
        page.click("[data-testid=roster-new]")
        page.fill("#id_month", "2026-11")
        page.select_option("#id_assistance_type", str(world.type.pk))
        page.click("[data-testid=roster-start]")
        page.wait_for_selector("[data-testid=roster-state]:has-text('待复核')")
        assert page.locator("[data-testid=bank-amount]").inner_text() == "1060.00 元"
        assert page.locator("[data-testid=missing-accounts]").inner_text() == "1 户"
        assert "李长青" in page.locator("[data-testid=held-table]").inner_text()
        rows = page.locator("[data-testid=line-row]")
        assert rows.count() == 3  # October back pay, November regular, and the held line
        assert "补发" in rows.nth(0).inner_text() and "应发530.00元" in rows.nth(0).inner_text()
        page.screenshot(path=str(tmp_path / "roster-prepared.png"), full_page=True)
        page.click("[data-testid=roster-check]")
        page.wait_for_selector("[data-testid=roster-state]:has-text('已复核')")
        assert page.locator("[data-testid=roster-lock]").count() == 0  # not the clerk's to lock

    run = RosterRun.objects.get()
    with browser_session("approver") as page:
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{live_server.url}/funds/rosters/{run.pk}/")
        page.click("[data-testid=roster-lock]")
        page.wait_for_selector("[data-testid=roster-state]:has-text('已锁定')")
        page.select_option("#id_format", "xlsx")
        page.click("[data-testid=roster-export]")
        page.wait_for_selector("[data-testid=export-download]")
        with page.expect_download() as download:
            page.click("[data-testid=export-download]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        page.screenshot(path=str(tmp_path / "roster-exported.png"), full_page=True)
    run.refresh_from_db()
    assert run.state == RunState.LOCKED and run.locked_by == world.approver
    with open(path, "rb") as handle:
        rows = list(load_workbook(io.BytesIO(handle.read())).active.iter_rows(values_only=True))
    assert rows[0][0] == "乡镇代码" and rows[0][-1] == "明细编号"
    assert [r[2] for r in rows[1:-1]] == ["王桂芳", "王桂芳"]
    assert rows[-1][0] == "合计" and rows[-1][6] == 1060
    assert run.exports.get().exported_by == world.approver
