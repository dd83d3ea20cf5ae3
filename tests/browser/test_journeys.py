"""Browser journeys with no shortcuts (issue 10, item 7): each demo role logs in in turn and
one 低保 case goes from 登记 to 发放 through the pages alone — clicks and typing, documents
and the check report uploaded as files from disk. The notice period passes by moving the
clock (time-machine: the live server runs in this process, in another thread, so it sees the
moved clock), then the notice's daily task runs as the beat would run it. The database is
only read, to assert.

1. 姑孰镇 (delegated): the township's approver confirms, the filing reaches the county's
   inbox, the clerk starts the payment and runs the month's roster, the approver locks it.
2. 乌溪镇 (no delegation): the same until the township's opinion, then 报县审批 and the
   county approves on its pages; the roster is run and checked, and its lock is refused to
   the one account 乌溪镇 has (two people, never one).

``RELIEF_SCREENSHOTS=<dir>``: every step is also saved at 1366×768 and 390×844, as
``<dir>/<journey>/<nn>-<step>-<size>.png`` (``shot``); without it no file is written.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from PIL import Image

from cases.models import Case, CaseState
from cases.notices.tasks import close_due_batches
from cases.workflow.next_step import CHECK_NOT_REQUESTED

pytestmark = pytest.mark.browser

SCREEN_SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
OPINIONS = {
    "finish_investigation": "经入户调查和家庭经济状况核对，家庭人均收入低于当地低保标准",
    "confirm": "符合农村低保条件，同意纳入",
    "refer_to_county": "经乡镇审核符合条件，报县审批",
    "county_approve": "同意纳入农村低保",
}


def shot(page, step: str) -> None:
    """With ``RELIEF_SCREENSHOTS=<dir>``: the page at a desktop's and a phone's size, as
    ``<dir>/<journey>/<nn>-<step>-<size>.png`` (numbered in the order taken); else nothing."""
    folder = os.environ.get("RELIEF_SCREENSHOTS")
    if not folder:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "").split("::")[-1].split(" ")[0]
    target = Path(folder) / test.removeprefix("test_a_dibao_case_through_the_pages_in_the_")
    target.mkdir(parents=True, exist_ok=True)
    number = len(list(target.glob("*-desktop.png"))) + 1
    before = page.viewport_size
    for size, viewport in SCREEN_SIZES.items():
        page.set_viewport_size(viewport)
        # caret="initial": hiding the caret would inject a style the CSP refuses
        page.screenshot(path=str(target / f"{number:02d}-{step}-{size}.png"), caret="initial")
    page.set_viewport_size(before)


def id_number(body17: str) -> str:
    """``body17`` + its GB 11643 check character (ISO 7064 MOD 11-2)."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


@pytest.fixture
def files(tmp_path):
    """A one-page PDF (scanned paper) and a JPEG (a photo), generated on disk."""
    image = Image.new("RGB", (120, 160), (236, 236, 228))
    pdf, jpeg = tmp_path / "scan.pdf", tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    image.save(buffer, format="PDF")
    pdf.write_bytes(buffer.getvalue())
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG")
    jpeg.write_bytes(buffer.getvalue())
    return {"pdf": str(pdf), "jpeg": str(jpeg)}


def state_is(page, label: str) -> None:
    page.wait_for_selector(f"[data-testid=case-state]:has-text('{label}')")


def open_case(page, base: str, number: str) -> None:
    """From the case list's search, as a user would."""
    page.goto(f"{base}/cases/?q={number}")
    page.click(f"a:has-text('{number}')")
    page.wait_for_selector("[data-testid=next-step]")


def act(page, name: str, expect_state: str) -> None:
    """The action in the case page's 办理 card (its opinion typed when it takes one)."""
    button = page.locator(f"[data-testid=action-{name}]")
    assert button.count(), f"no action {name} on the page: " + page.inner_text("main")[:1500]
    assert button.is_enabled(), page.inner_text(f"[data-testid=option-{name}]")
    if name in OPINIONS:
        page.fill(f"[data-testid=opinion-{name}]", OPINIONS[name])
    button.click()
    state_is(page, expect_state)


def menu(page, href: str) -> None:
    """A navigation entry (on a phone, behind the menu button)."""
    toggler = page.locator("button.navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    page.click(f"#mainnav a[href='{href}']")


def register(page, base: str, *, village, name: str, id_no: str, address: str) -> str:
    """登记: the application form; returns the case number the page announces."""
    from relief.models import AssistanceType

    dibao = AssistanceType.objects.get(code="dibao_rural")
    menu(page, "/cases/new/")
    page.wait_for_selector("#id_assistance_type")
    page.select_option("#id_assistance_type", str(dibao.pk))
    page.select_option("#id_village", str(village.pk))
    page.fill("#id_address", address)
    page.fill("#id_phone", "13905550123")
    page.fill("#id_members-0-name", name)
    page.fill("#id_members-0-id_number", id_no)
    page.select_option("#id_members-0-relation", "self")
    shot(page, "registration-form")
    page.click("form button[type=submit]:has-text('保存申请')")
    page.wait_for_selector("text=已登记申请")
    announced = re.search(r"案件编号 (\S+)", page.inner_text("body"))
    assert announced, page.inner_text("main")
    number = announced.group(1)
    shot(page, "registered")
    return number


def upload_documents(page, files) -> None:
    """受理 materials: one file per required checklist item, through the upload form."""
    for kind in ("id_card", "hukou", "authorisation", "application"):
        page.select_option("#upload_kind", kind)
        page.fill("#upload_title", "申请人提交材料扫描件")
        page.set_input_files("#upload_file", files["pdf"])
        page.click("[data-testid=upload-form] button")
        page.wait_for_selector(f"[data-testid=attached-{kind}]")
    assert "齐全" in page.inner_text("[data-testid=documents] .card-header")
    shot(page, "documents-uploaded")
    back_to_case_page(page)


def back_to_case_page(page) -> None:
    """A post from a section of the case page comes back to the case page (its 下一步 panel),
    not to the intake page."""
    page.wait_for_selector("[data-testid=next-step]")
    assert "/intake/" not in page.url


def return_check(page, base: str, number: str, files) -> None:
    """核对: the county verifier's queue → the report form, figures per member and the PDF."""
    page.goto(f"{base}/cases/checks/")
    row = page.locator("[data-testid=check-queue] tr", has_text=number)
    shot(page, "check-queue")
    row.locator("a:has-text('录入报告')").click()
    page.wait_for_selector("text=录入核对报告")
    page.locator("input[name$=monthly_income]").first.fill("300")
    page.locator("input[name$=deposits]").first.fill("2000")
    page.locator("input[name$=vehicles]").first.fill("0")
    page.locator("input[name$=properties]").first.fill("1")
    page.select_option("#id_conclusion", label="符合条件")
    page.fill("#id_conclusion_note", "未发现车辆、工商登记，存款低于限额")
    page.set_input_files("#id_report", files["pdf"])
    shot(page, "check-report")
    page.click("button:has-text('提交核对报告')")
    page.wait_for_load_state()


def fill_survey(page, base: str, number: str, files) -> None:
    """入户: the village assistant's survey, two investigators signing, a photo."""
    open_case(page, base, number)
    page.click("[data-testid=survey] a:has-text('填写')")
    page.wait_for_selector("text=完成调查")
    page.fill("#id_visit_date", timezone.localdate().isoformat())
    names = page.locator("input[name=investigators]")
    names.nth(0).fill("张秀英")
    names.nth(1).fill("王立平")
    page.select_option("#id_housing", index=1)
    page.fill("#id_living_conditions", "独居，患慢性病，无固定收入，住房为自建砖房")
    page.fill("#id_findings", "家庭收入低于低保标准，情况属实")
    page.set_input_files("#id_photos", files["jpeg"])
    shot(page, "survey-form")
    page.click("button:has-text('完成调查')")
    page.wait_for_load_state()


def compute_amount(page) -> None:
    """核算 in the case page's 认定与金额 section: the amount and how it was computed."""
    page.click("#computation button:has-text('核算')")
    page.wait_for_selector("#computation summary:has-text('计算过程')")
    assert "核对报告" in page.inner_text("#computation")
    back_to_case_page(page)
    assert "元" in page.inner_text("#computation .card-header")


def publish_notice(page, base: str, number: str, place: str) -> None:
    """公示: the notice pages — a batch of the village's cases ready for notice, published."""
    page.goto(f"{base}/cases/notices/")
    page.click("[data-testid=notice-new-link]")
    if page.locator("[data-testid=village-form]").count():
        page.click("[data-testid=village-form] button")
    page.locator("[data-testid=batch-form] label", has_text=number).click()
    page.fill("#id_place", place)
    page.fill("#id_phone", "0555-6661234")
    shot(page, "notice-batch-new")
    page.click("[data-testid=batch-create]")
    page.wait_for_selector("[data-testid=publish-form]")
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=batch-state]:has-text('公示中')")
    shot(page, "notice-published")


def journey_to_notice(browser_session, base: str, files, *, village, **who):
    """登记 → 受理 → 核对 → 入户 → the township's opinion (调查完成) → the notice published.
    ``who``: the usernames of the township's clerk and village assistant."""
    with browser_session(who["assistant"], phone=True) as page:
        number = register(
            page,
            base,
            village=village,
            name=who["name"],
            id_no=who["id_no"],
            address=f"{village.name}健康路8号",
        )
    with browser_session(who["clerk"]) as page:
        open_case(page, base, number)
        upload_documents(page, files)
        act(page, "accept", "已受理")
        act(page, "start_investigation", "经济状况核对")
        assert CHECK_NOT_REQUESTED in page.inner_text("[data-testid=next-waiting]")
        page.click("#check button:has-text('申请核对')")
        page.wait_for_selector("#check .badge:has-text('核对中')")
        back_to_case_page(page)
        shot(page, "case-checking")
    with browser_session("verifier") as page:
        return_check(page, base, number, files)
    case = Case.objects.get(number=number)
    # the returned report moves the case on (核对完成转入户调查, signed by the verifier)
    assert case.check_status == "returned" and case.state == CaseState.VISITING
    with browser_session(who["assistant"], phone=True) as page:
        fill_survey(page, base, number, files)
        shot(page, "survey-done")
    with browser_session(who["clerk"]) as page:
        open_case(page, base, number)
        page.wait_for_selector("[data-testid=facts-ready]")
        shot(page, "case-facts-ready")
        act(page, "finish_investigation", "确认前公示")
    with browser_session(who["assistant"], phone=True) as page:
        publish_notice(page, base, number, f"{village.name}村务公开栏")
    return number


def run_and_lock_roster(browser_session, base: str, case, clerk: str, approver: str) -> None:
    """发放: the recipient is on the register; the clerk runs the first month's roster and
    checks it, the approver locks it. When the approver is the clerk (乌溪镇's one account
    holds both roles), the lock is refused on the page: two people, never one."""
    from funds.rosters.models import RosterRun, RunState

    month = case.amount_from.strftime("%Y-%m")
    with browser_session(clerk) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{base}/funds/recipients/?q={case.applicant.name}")
        assert case.applicant.name in page.inner_text("main")
        shot(page, "recipients")
        page.goto(f"{base}/funds/rosters/")
        page.click("[data-testid=roster-new]")
        page.fill("#id_month", month)
        page.select_option("#id_assistance_type", str(case.assistance_type_id))
        page.click("[data-testid=roster-start]")
        page.wait_for_selector("[data-testid=roster-state]:has-text('待复核')")
        assert case.applicant.name in page.inner_text("main")
        shot(page, "roster-prepared")
        page.click("[data-testid=roster-check]")
        page.wait_for_selector("[data-testid=roster-state]:has-text('已复核')")
    run = RosterRun.objects.get(township=case.township, month=case.amount_from)
    with browser_session(approver) as page:
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{base}/funds/rosters/?year={case.amount_from.year}")
        page.click(f"[data-testid=roster-table] a[href='/funds/rosters/{run.pk}/']")
        page.click("[data-testid=roster-lock]")
        if approver == clerk:
            page.wait_for_selector("text=两人复核原则")
            shot(page, "roster-lock-refused")
        else:
            page.wait_for_selector("[data-testid=roster-state]:has-text('已锁定')")
            shot(page, "roster-locked")
    run.refresh_from_db()
    assert run.state == (RunState.CHECKED if approver == clerk else RunState.LOCKED)


def let_the_notice_period_pass(case) -> time_machine.travel:
    """The clock moves past the notice period; the daily task closes the batch (beat)."""
    days = case.policy.notice_days + 1
    traveller = time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=True)
    traveller.start()
    close_due_batches()
    return traveller


def test_a_dibao_case_through_the_pages_in_the_delegated_township(
    demo, live_server, browser_session, files
):
    base = live_server.url
    number = journey_to_notice(
        browser_session,
        base,
        files,
        village=demo.village,
        clerk="clerk",
        assistant="assistant",
        name="王德福",
        id_no=id_number("34052119560308003"),
    )
    case = Case.objects.get(number=number)
    assert case.state == CaseState.PRE_NOTICE
    traveller = let_the_notice_period_pass(case)
    try:
        case.refresh_from_db()
        assert case.state == CaseState.REVIEW, case.get_state_display()
        with browser_session("approver") as page:
            open_case(page, base, number)
            assert "审核确认" in page.inner_text("[data-testid=next-action]")
            compute_amount(page)
            shot(page, "case-review-next-step")
            act(page, "confirm", "已确认")
        with browser_session("supervisor") as page:
            page.goto(f"{base}/review/")
            shot(page, "county-filing-inbox")
            page.click(f"[data-testid=filings] a:has-text('{number}')")
            page.click("button:has-text('阅知')")
            page.wait_for_load_state()
        with browser_session("clerk") as page:
            open_case(page, base, number)
            act(page, "start_payment", "发放中")
            shot(page, "case-paying")
        case.refresh_from_db()
        assert case.state == CaseState.PAYING and case.route == Case.Route.TOWNSHIP
        assert case.filings.get().acknowledged_by.username == "supervisor"
        # each step signed by the role whose step it is (the notice's by its batch's task)
        signed = [(e.transition, e.actor.username if e.actor else "") for e in case.events.all()]
        assert [t for t, _ in signed] == [
            "accept",
            "start_investigation",
            "finish_check",
            "finish_investigation",
            "notice_published",
            "close_notice",
            "confirm",
            "start_payment",
        ]
        by = dict(signed)
        assert (by["accept"], by["finish_check"], by["confirm"]) == (
            "clerk",
            "verifier",
            "approver",
        )
        run_and_lock_roster(browser_session, base, case, "clerk", "approver")
    finally:
        traveller.stop()


def test_a_dibao_case_through_the_pages_in_the_township_without_delegation(
    demo, live_server, browser_session, files
):
    base = live_server.url
    number = journey_to_notice(
        browser_session,
        base,
        files,
        village=demo.wuxi_village,
        clerk="clerk_wuxi",
        assistant="assistant_wuxi",
        name="钱友根",
        id_no=id_number("34052119580714003"),
    )
    case = Case.objects.get(number=number)
    assert case.state == CaseState.PRE_NOTICE
    traveller = let_the_notice_period_pass(case)
    try:
        case.refresh_from_db()
        assert case.state == CaseState.REVIEW, case.get_state_display()
        with browser_session("clerk_wuxi") as page:
            open_case(page, base, number)
            reasons = page.inner_text("[data-testid=reasons-confirm]")
            assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in reasons
            compute_amount(page)
            shot(page, "case-refer-to-county")
            act(page, "refer_to_county", "报县审批")
        with browser_session("supervisor") as page:
            page.goto(f"{base}/notifications/")
            assert number in page.inner_text("main")
            shot(page, "county-notification")
            open_case(page, base, number)
            act(page, "county_approve", "已确认")
            shot(page, "county-approved")
        with browser_session("clerk_wuxi") as page:
            open_case(page, base, number)
            act(page, "start_payment", "发放中")
            timeline = page.inner_text("[data-testid=timeline]")
            for label in (
                "受理",
                "调查完成",
                "公示期满无异议",
                "报县审批",
                "县级审批同意",
                "纳入发放",
            ):
                assert label in timeline
        case.refresh_from_db()
        assert case.state == CaseState.PAYING and case.route == Case.Route.COUNTY
        assert [e.transition for e in case.events.all()][-3:] == [
            "refer_to_county",
            "county_approve",
            "start_payment",
        ]
        run_and_lock_roster(browser_session, base, case, "clerk_wuxi", "clerk_wuxi")
    finally:
        traveller.stop()
