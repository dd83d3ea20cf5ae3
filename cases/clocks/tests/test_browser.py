"""Browser checks of the clocks (Debian chromium via Playwright): the county dashboard draws
its ECharts chart from the vendored file, the job page follows progress with htmx until
the download appears, and the approver extends a limit on a phone-sized screen."""

from __future__ import annotations

import datetime

import pytest

from cases.models import CaseClock
from cases.workflow.tests.helpers import go, make_case
from relief.jobs import job_finish
from relief.models import Job
from tests.browser_support import settle

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_dashboard_draws_the_chart_and_the_job_page_polls_until_the_download_appears(
    fast_hasher, demo, live_server, browser_session, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", on=datetime.date(2026, 3, 2))
    with browser_session("supervisor") as page:
        page.goto(f"{live_server.url}/cases/dashboard/?year=2026")
        page.wait_for_selector("#throughput-chart[data-rendered='1'] canvas", state="attached")
        assert page.locator("[data-testid=township-stats] tbody tr").count() == 5

        job = Job.objects.create(
            kind="statistics_export",
            owner=demo.user("supervisor"),
            status=Job.Status.RUNNING,
            progress=30,
        )
        page.goto(f"{live_server.url}/cases/jobs/{job.pk}/")
        page.wait_for_selector("[data-testid=job-progress][data-status=running]")
        assert page.locator("[data-testid=job-download]").count() == 0

        job_finish(job.pk, content=b"PK-test", filename="统计.xlsx")
        page.wait_for_selector("[data-testid=job-download]", timeout=10000)

        # The real export button: the job runs (eagerly here) and its page offers the file.
        page.goto(f"{live_server.url}/cases/dashboard/?year=2026")
        page.click("[data-testid=export-xlsx]")
        page.wait_for_selector("[data-testid=job-download]")
        with page.expect_download() as download:
            page.click("[data-testid=job-download]")
        assert download.value.suggested_filename.endswith(".xlsx")


def test_the_approver_extends_a_limit_on_a_phone(fast_hasher, demo, live_server, browser_session):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", on=datetime.date(2026, 3, 2))
    with browser_session("approver", phone=True) as page:
        page.goto(f"{live_server.url}/cases/{case.pk}/clock/")
        page.fill("#id_extra_wd", "30")
        page.fill("#id_reason", "需补充外地房产核对")
        page.click("[data-testid=extend-form] button")
        page.wait_for_selector("[data-testid=error-extra_wd]")
        assert "最多还可延长 25 个工作日" in page.inner_text("[data-testid=error-extra_wd]")
        settle(page)
        page.fill("#id_extra_wd", "10")
        page.click("[data-testid=extend-form] button")
        page.wait_for_selector("text=已延长办理时限至 2026-04-14")
        assert CaseClock.objects.get(case=case).extended_wd == 10
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
