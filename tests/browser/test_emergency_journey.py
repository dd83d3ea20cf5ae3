"""Browser journey of an emergency (急难型临时救助): the village assistant registers it on a
phone with one short form, the township clerk grants help first from the emergency list,
and the list shows the paperwork clock; then the clerk completes the file from the case page
(materials, 受理, 入户 by the assistant, the township's opinion) and the approver confirms it
within the 5-working-day clock, which stops on time; no CSP violation (the fixtures fail on
one)."""

import datetime

import pytest

from cases.models import CaseClock, Emergency, EmergencyGrant, StepKind
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from tests.browser.test_journeys import act, files, fill_survey, open_case
from tests.browser_support import settle
from tests.factories import make_id_number

__all__ = ["files"]  # the journeys' fixture: a generated PDF and JPEG

pytestmark = pytest.mark.browser


def test_an_assistant_registers_on_a_phone_and_the_township_helps_first(
    demo, live_server, browser_session, files
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
        settle(clerk)
        clerk.fill("#id_amount", "1500")
        clerk.click("[data-testid=grant-submit]")
        clerk.wait_for_selector("[data-testid=grants] >> text=1500.00")
        clerk.goto(f"{live_server.url}/cases/emergencies/")
        assert "个工作日" in clerk.inner_text("[data-testid=file-clock]")
    assert EmergencyGrant.objects.get().to_bank
    assert CaseClock.objects.get(case=emergency.case).step_kind == StepKind.EMERGENCY_FILE

    # The file completed within the paperwork clock, through the case page only.
    number = emergency.case.number
    with browser_session("clerk") as clerk:
        open_case(clerk, live_server.url, number)
        items = clerk.locator("[data-testid^=checklist-]")
        codes = [items.nth(i).get_attribute("data-testid") for i in range(items.count())]
        kinds = clerk.locator("#upload_kind option").evaluate_all("os => os.map(o => o.value)")
        for code in [c.removeprefix("checklist-") for c in codes]:
            if code in kinds:  # a scan of the paper
                clerk.select_option("#upload_kind", code)
                clerk.fill("#upload_title", "当事人材料扫描件")
                clerk.set_input_files("#upload_file", files["pdf"])
                clerk.click("[data-testid=upload-form] button")
                clerk.wait_for_selector(f"[data-testid=attached-{code}]")
            else:  # seen in the original, signed with a note
                item = clerk.locator(f"[data-testid=checklist-{code}]")
                item.locator("input[type=text], textarea").first.fill("已核验原件，复印件存档")
                item.locator("button[name=verify]").click()
                clerk.wait_for_selector(f"[data-testid=verified-{code}]")
        act(clerk, "accept", "已受理")
        act(clerk, "start_investigation", "入户调查")
    with browser_session("assistant", phone=True) as page:
        fill_survey(page, live_server.url, number, files)
    with browser_session("clerk") as clerk:
        open_case(clerk, live_server.url, number)
        act(clerk, "finish_investigation", "待审核确认")
    with browser_session("approver") as approver:
        open_case(approver, live_server.url, number)
        act(approver, "confirm", "已确认")
    clock = CaseClock.objects.get(case=emergency.case)
    assert clock.stopped_on is not None and clock.on_time
