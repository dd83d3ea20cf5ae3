"""The Content-Security-Policy holds in a real browser: the pages that draw charts, run htmx,
confirm before deleting, the admin site and the API docs work with no inline script or style
(tests/browser_support.py fails a test on any violation chromium reports)."""

import datetime

import pytest

from relief.models import WorkdayOverride

pytestmark = pytest.mark.browser


def test_an_inline_script_is_blocked_and_reported(demo, live_server, browser_session):
    with browser_session("clerk") as page:
        ran = page.evaluate(
            """() => { const s = document.createElement("script");
                       s.textContent = "window.__inline = 1"; document.body.appendChild(s);
                       return window.__inline === 1; }"""
        )
        assert ran is False
        page.wait_for_timeout(200)
        assert any("script-src" in v for v in page.csp_violations), page.csp_violations
        page.csp_violations.clear()


def test_charts_draw_and_tooltips_show_under_the_policy(demo, live_server, browser_session):
    with browser_session("supervisor") as page:
        page.goto(f"{live_server.url}/cases/dashboard/")
        page.wait_for_selector("#throughput-chart[data-rendered='1']")
        box = page.locator("#throughput-chart").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.select_option("#year", index=0)  # data-autosubmit: the form submits on change
        page.wait_for_selector("#throughput-chart[data-rendered='1']")
        page.goto(f"{live_server.url}/review/stats/")
        page.wait_for_selector("#chart-decisions[data-rendered='1']")
        assert page.locator("#chart-decisions canvas").count() == 1


def test_confirm_prompts_admin_site_and_api_docs_work_under_the_policy(
    demo, live_server, browser_session
):
    override = WorkdayOverride.objects.create(
        date=datetime.date(2031, 5, 6), is_workday=False, note="测试"
    )
    with browser_session("admin") as page:
        asked = []

        def answer(dialog):
            asked.append(dialog.message)
            dialog.dismiss() if len(asked) == 1 else dialog.accept()

        page.on("dialog", answer)
        page.goto(f"{live_server.url}/manage/calendar/?year=2031&month=5")
        delete = page.locator(f"form[action$='/calendar/{override.pk}/delete/'] button")
        delete.click()  # dismissed: nothing deleted
        page.wait_for_timeout(300)
        assert WorkdayOverride.objects.filter(pk=override.pk).exists()
        delete.click()  # accepted
        page.wait_for_selector("text=该年无调整记录")
        assert asked == ["确定删除？", "确定删除？"]
        assert not WorkdayOverride.objects.filter(pk=override.pk).exists()

        page.goto(f"{live_server.url}/admin/")
        page.wait_for_selector("#content")
        page.goto(f"{live_server.url}/admin/relief/user/{demo.user('clerk').pk}/change/")
        page.wait_for_selector("#user_form")

        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .information-container", timeout=30_000)
