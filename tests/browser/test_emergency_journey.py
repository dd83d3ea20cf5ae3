"""Browser journey of an emergency (急难型临时救助): the village assistant registers it on a
phone with one short form, the township clerk grants help first from the emergency list,
and the list shows the paperwork clock; no CSP violation (the fixtures fail on one)."""

import datetime

import pytest

from cases.models import CaseClock, Emergency, EmergencyGrant, StepKind
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from tests.factories import make_id_number

pytestmark = pytest.mark.browser


def test_an_assistant_registers_on_a_phone_and_the_township_helps_first(
    demo, live_server, browser_session
):
    with browser_session("assistant", phone=True) as page:
        page.click("button.navbar-toggler")
        page.click("#mainnav >> text=急难救助")
        page.click("[data-testid=emergency-new]")
        page.click("[data-testid=emergency-submit]")  # empty: errors at the fields
        page.wait_for_selector("[data-testid=error-cause]")
        assert Emergency.objects.count() == 0
        page.fill("#id_person_name", "王大山")
        page.fill("#id_id_number", make_id_number(birth=datetime.date(1970, 5, 1)))
        page.select_option("#id_cause", "火灾")
        page.fill("#id_needs", "临时住所和被褥")
        page.fill("#id_address", "城东社区幸福路1号")
        page.click("[data-testid=emergency-submit]")
        page.wait_for_selector("[data-testid=emergency-facts]")
        assert "先行救助截止" in page.inner_text("[data-testid=emergency-clock]")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390 + 1  # no sideways scroll on the phone

    emergency = Emergency.objects.get()
    with browser_session("clerk") as clerk:
        clerk.goto(f"{live_server.url}/cases/emergencies/")
        clerk.click(f"text={emergency.case.number}")
        clerk.select_option("#id_body", "township")
        clerk.select_option("#id_kind", "cash")
        clerk.fill("#id_amount", "2000.01")
        clerk.fill("#id_description", "生活救助金")
        clerk.click("[data-testid=grant-submit]")
        clerk.wait_for_selector("[data-testid=error-amount]")
        assert "须由县民政局决定" in clerk.inner_text("[data-testid=error-amount]")
        clerk.fill("#id_amount", "1500")
        clerk.click("[data-testid=grant-submit]")
        clerk.wait_for_selector("[data-testid=grants] >> text=1500.00")
        clerk.goto(f"{live_server.url}/cases/emergencies/")
        assert "个工作日" in clerk.inner_text("[data-testid=file-clock]")
    assert EmergencyGrant.objects.get().to_bank
    assert CaseClock.objects.get(case=emergency.case).step_kind == StepKind.EMERGENCY_FILE
