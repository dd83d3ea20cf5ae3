"""Browser journey of a review: the village assistant reports a death on a phone, the clerk
records the home visit and proposes a reduced amount, the approver decides it, and next
month's roster pays the reduced amount. The survey's completion is set directly (the point
here is the review pages)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case, CaseState
from cases.workflow.tests.helpers import fast_passwords  # noqa: F401
from funds.dynamic.models import ReviewCase
from funds.dynamic.services import add_months, review_schedule_refresh
from funds.recipients.tests.support import registered
from funds.rosters.models import RosterLine
from funds.rosters.services import roster_compute, roster_run_start

pytestmark = pytest.mark.browser


def _act(page, name, opinion=""):
    if opinion:
        page.fill(f"[data-testid=opinion-{name}]", opinion)
    page.click(f"[data-testid=action-{name}]")
    page.wait_for_load_state()


def test_a_death_reported_on_a_phone_ends_in_a_reduced_amount_on_next_months_roster(
    demo, live_server, browser_session
):
    recipient = registered(demo)
    review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    died = timezone.localdate() - datetime.timedelta(days=4)

    with browser_session("assistant", phone=True) as assistant:
        assistant.goto(f"{live_server.url}/funds/dynamic/due/")
        row = assistant.locator("[data-testid=schedule-row]", has_text=recipient.head_name)
        row.locator("[data-testid=open-review]").click()
        assistant.wait_for_selector("[data-testid=open-form]")
        assistant.select_option("#id_trigger", "death")
        assistant.fill("#id_died_on", died.isoformat())
        spouse = recipient.household.members.exclude(pk=recipient.case.applicant_id).first()
        assistant.select_option("#id_member", str(spouse.pk))
        assistant.fill("#id_note", "户主配偶病故")
        assistant.click("[data-testid=open-submit]")
        assistant.wait_for_selector("[data-testid=case-state]:has-text('已受理')")
        assert "已启动复核（成员死亡）" in assistant.content()

    review = ReviewCase.objects.get(recipient=recipient)
    with browser_session("clerk") as clerk:
        clerk.goto(f"{live_server.url}/cases/{review.case_id}/")
        _act(clerk, "start_investigation")
        clerk.wait_for_selector("[data-testid=case-state]:has-text('入户调查')")
        Case.objects.filter(pk=review.case_id).update(survey_status="complete")
        clerk.reload()
        _act(clerk, "finish_investigation", "入户核实：配偶已病故，现一人生活")
        clerk.wait_for_selector("[data-testid=case-state]:has-text('待审核确认')")
        clerk.click("text=复核结论与决定")
        clerk.wait_for_selector("[data-testid=conclusion-form]")
        clerk.check("input[name=outcome][value=amount]")
        clerk.fill("#id_new_amount", "300.00")
        clerk.fill("#id_reasons", "家庭人口减少，重新核定保障金额")
        clerk.click("[data-testid=conclusion-save]")
        clerk.wait_for_selector("[data-testid=case-state]")
        assert "已保存复核结论：调整金额" in clerk.content()

    with browser_session("approver") as approver:
        approver.goto(f"{live_server.url}/funds/dynamic/reviews/{review.case_id}/")
        assert "您可以办理" in approver.inner_text("[data-testid=decision-options]")
        approver.fill("#id_opinion", "同意按新核定金额发放")
        approver.click("[data-testid=conclusion-decide]")
        approver.wait_for_selector("[data-testid=case-state]:has-text('已确认')")
        assert "已作出复核决定：调整金额" in approver.content()

    case = Case.objects.get(pk=review.case_id)
    assert case.state == CaseState.CONFIRMED
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    run = roster_run_start(
        township=recipient.township,
        month=next_month,
        assistance_type=recipient.assistance_type,
        actor=demo.user("clerk"),
    )
    roster_compute(run_id=run.pk)
    line = RosterLine.objects.get(run=run, recipient=recipient, month=next_month)
    assert line.amount == Decimal("300.00")
