"""Browser journeys through the real workflow pages: one 低保 case from 受理 to 发放 in the
fully delegated demo township (姑孰镇), and one in the township without delegation
(乌溪镇), which goes through county approval. The facts the intake pages would record
(check report returned, survey complete, amount) and the passing of the notice period
are set directly, since the point here is the workflow pages."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Case
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401

pytestmark = pytest.mark.browser


def open_case(page, live_server, case):
    """From the case list, as a user would."""
    page.goto(f"{live_server.url}/cases/?q={case.number}")
    page.click(f"text={case.number}")
    page.wait_for_selector("[data-testid=case-state]")


def act(page, name, opinion="", expect_state=None):
    if opinion:
        page.fill(f"[data-testid=opinion-{name}]", opinion)
    page.click(f"[data-testid=action-{name}]")
    page.wait_for_load_state()
    if expect_state:
        page.wait_for_selector(f"[data-testid=case-state]:has-text('{expect_state}')")


def set_facts(case, **fields):
    Case.objects.filter(pk=case.pk).update(**fields)


def investigate_to_review(page, case, *, clerk_finishes_check=True):
    act(page, "accept", expect_state="已受理")
    act(page, "start_investigation", expect_state="经济状况核对")
    # finish_check is disabled until the county's report is back, with the reason shown
    assert "核对报告尚未返回" in page.inner_text("[data-testid=reasons-finish_check]")
    set_facts(case, check_status="returned")
    page.reload()
    act(page, "finish_check", expect_state="入户调查")
    set_facts(case, survey_status="complete")
    page.reload()
    act(
        page,
        "finish_investigation",
        "经入户调查和核对，家庭人均收入低于当地低保标准",
        expect_state="确认前公示",
    )
    # The 7-day notice runs; pretend it started long enough ago.
    set_facts(
        case,
        notice_started_on=timezone.localdate() - datetime.timedelta(days=8),
        monthly_amount=Decimal("420.00"),
    )
    page.reload()
    act(page, "close_notice", expect_state="待审核确认")


def test_dibao_case_from_acceptance_to_payment_in_the_delegated_township(
    demo, live_server, browser_session
):
    case = make_case(demo.gushu)
    with browser_session("clerk") as clerk:
        open_case(clerk, live_server, case)
        investigate_to_review(clerk, case)
        assert "此操作须由乡镇审核确认人办理" in clerk.inner_text("[data-testid=reasons-confirm]")
    with browser_session("approver", phone=True) as approver:
        open_case(approver, live_server, case)
        assert approver.is_disabled("[data-testid=action-refer_to_county]")
        act(approver, "confirm", "符合农村低保条件，同意纳入", expect_state="已确认")
        assert "刘德明" in approver.inner_text("[data-testid=timeline]")
    with browser_session("clerk") as clerk:
        open_case(clerk, live_server, case)
        act(clerk, "start_payment", expect_state="发放中")
        timeline = clerk.inner_text("[data-testid=timeline]")
        for label in (
            "受理",
            "启动调查核对",
            "核对完成转入户调查",
            "调查完成",
            "公示期满无异议",
            "审核确认",
            "纳入发放",
        ):
            assert label in timeline
    case.refresh_from_db()
    assert case.state == "paying" and case.route == "township" and case.amount_from
    assert case.events.count() == 7


def test_dibao_case_in_the_township_without_delegation_goes_through_county_approval(
    demo, live_server, browser_session
):
    case = make_case(demo.wuxi)
    with browser_session("clerk_wuxi") as clerk:
        open_case(clerk, live_server, case)
        investigate_to_review(clerk, case)
        assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in clerk.inner_text(
            "[data-testid=reasons-confirm]"
        )
        act(clerk, "refer_to_county", "经乡镇审核符合条件，报县审批", expect_state="报县审批")
    with browser_session("supervisor") as supervisor:
        supervisor.goto(f"{live_server.url}/notifications/")
        assert case.number in supervisor.inner_text("main")
        open_case(supervisor, live_server, case)
        act(supervisor, "county_approve", "同意纳入农村低保", expect_state="已确认")
    with browser_session("clerk_wuxi") as clerk:
        open_case(clerk, live_server, case)
        act(clerk, "start_payment", expect_state="发放中")
    case.refresh_from_db()
    assert case.state == "paying" and case.route == "county"
    assert [e.transition for e in case.events.all()][-3:] == [
        "refer_to_county",
        "county_approve",
        "start_payment",
    ]
