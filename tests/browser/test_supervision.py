"""Browser journey of county supervision: the supervisor runs a spot-check campaign,
records a visit that finds a problem on a phone-sized screen, issues a rectification
order; the township clerk answers it; the supervisor accepts it."""

import datetime
import os

import pytest
from django.utils import timezone

from cases.models import CaseState
from review.models import RectificationOrder
from tests.factories import CaseFactory
from tests.uploads import png_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _shot(page, name):
    """Screenshots for a human look, only when REVIEW_SCREENSHOTS names a directory."""
    target = os.environ.get("REVIEW_SCREENSHOTS")
    if target:
        page.screenshot(path=os.path.join(target, f"{name}.png"), full_page=True)


def test_supervisor_runs_a_campaign_and_the_township_answers_the_rectification(
    fast_hasher, demo, live_server, browser_session, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    decided = today - datetime.timedelta(days=3)
    for _ in range(3):
        CaseFactory(
            force_state=CaseState.PAYING, decided_on=decided, route="township", monthly_amount="400"
        )
    flagged = CaseFactory(
        force_state=CaseState.PAYING,
        decided_on=decided,
        route="township",
        monthly_amount="400",
        near_relative_flag=True,
    )

    with browser_session("supervisor") as page:
        page.goto(f"{live_server.url}/review/spot-checks/")
        page.fill("#id_name", "本月新增对象入户抽查")
        page.fill("#id_period_start", (today - datetime.timedelta(days=10)).isoformat())
        page.fill("#id_period_end", today.isoformat())
        page.click("[data-testid=campaign-form] button")
        page.wait_for_selector("[data-testid=seed]")
        sample = page.inner_text("[data-testid=sample]")
        assert flagged.number in sample and "近亲属备案(必查)" in sample
        seed = page.inner_text("[data-testid=seed]")
        page.click("text=按种子复核抽样")
        assert page.inner_text("[data-testid=verified]") == "复核一致"
        assert page.inner_text("[data-testid=seed]") == seed
        campaign_url = page.url.split("?")[0]

    with browser_session("supervisor", phone=True) as phone:
        phone.goto(campaign_url)
        phone.click(f"text={flagged.number}")
        phone.wait_for_selector("[data-testid=visit-form]")
        _shot(phone, "visit-form")
        phone.fill("#id_people_met", "户主本人及其配偶")
        phone.fill("#id_findings", "家中经营小卖部，收入未申报")
        phone.select_option("#id_outcome", "problem")
        phone.select_option("#id_problem_kind", "income")
        phone.set_input_files(
            "#id_photos",
            files=[
                {
                    "name": "visit.png",
                    "mimeType": "image/png",
                    "buffer": png_bytes(),
                }
            ],
        )
        phone.click("[data-testid=visit-form] button")
        phone.wait_for_selector("[data-testid=outcome]")
        assert "收入核算不实" in phone.inner_text("[data-testid=outcome]")
        phone.click("[data-testid=issue-rectification]")
        phone.wait_for_selector("[data-testid=rectification-form]")
        assert "收入未申报" in phone.input_value("#id_description")
        phone.fill("#id_due_workdays", "5")
        phone.click("[data-testid=rectification-form] button")
        phone.wait_for_selector("[data-testid=order-status]")
        assert phone.inner_text("[data-testid=order-status]") == "待乡镇整改"
        order_url = phone.url

    order = RectificationOrder.objects.get(case=flagged)
    with browser_session("clerk") as clerk:
        clerk.goto(f"{live_server.url}/review/township/")
        clerk.click(f"[data-testid=my-orders] >> text=#{order.pk}")
        clerk.wait_for_selector("[data-testid=respond-form]")
        clerk.fill("#id_r-body", "已重新核算经营收入，调整救助金额并报县备案")
        clerk.click("[data-testid=respond-form] button")
        clerk.wait_for_selector("text=整改情况已反馈县民政局")
        assert clerk.inner_text("[data-testid=order-status]") == "乡镇已反馈"

    with browser_session("supervisor") as page:
        page.goto(order_url)
        assert "已重新核算经营收入" in page.content()
        page.select_option("#id_v-decision", "accept")
        page.fill("#id_v-comment", "整改到位")
        page.click("[data-testid=review-form] button")
        page.wait_for_selector("text=审查结论已保存")
        assert page.inner_text("[data-testid=order-status]") == "整改验收通过"
        page.goto(f"{live_server.url}/review/stats/")
        page.wait_for_selector("#chart-decisions canvas")
        _shot(page, "stats")
    order.refresh_from_db()
    assert order.status == RectificationOrder.Status.ACCEPTED
