"""动态管理 pages and API: scoping (another township, another village: 404), bad input with
Chinese messages and nothing saved, the page flow (a death reported by the assistant, a
reduced amount decided by the approver, paid from next month), a review routed to the
county when the township's delegation is suspended on the decision date, a locked roster
moving the change to the next open month."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState
from funds.dynamic.models import PhaseOut, ReviewCase, ReviewOutcome, ReviewTrigger
from funds.dynamic.services import add_months, review_open, review_schedule_refresh
from funds.recipients.selectors import state_for_month
from funds.recipients.services import next_month
from funds.recipients.tests.support import registered
from relief.delegation import delegation_change_status
from relief.models import Delegation, Region

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _client(client, demo, username):
    client.force_login(demo.user(username))
    return client


def _scheduled(demo, **kwargs):
    recipient = registered(demo, **kwargs)
    review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    return recipient


def _spouse(recipient):
    return recipient.household.members.exclude(pk=recipient.case.applicant_id).first()


def _post_transition(client, case, name, opinion="同意"):
    case.refresh_from_db()
    return client.post(
        reverse("cases:transition", args=[case.pk, name]),
        {"state": case.state, "opinion": opinion},
    )


def _visited(client, demo, review):
    """The clerk starts the review's investigation and records the home visit done."""
    c = _client(client, demo, "clerk")
    case = review.case
    _post_transition(c, case, "start_investigation")
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    _post_transition(c, case, "finish_investigation", opinion="入户核实：情况属实")
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
    return case


# --- scoping ---------------------------------------------------------------------------


def test_the_due_list_shows_the_users_region_and_another_township_is_404(client, demo):
    recipient = _scheduled(demo)
    page = _client(client, demo, "assistant").get(reverse("dynamic:due"))
    assert page.status_code == 200
    assert recipient.head_name in page.content.decode()
    assert reverse("dynamic:open", args=[recipient.pk]) in page.content.decode()
    clerk = _client(client, demo, "clerk")
    assert clerk.get(reverse("dynamic:due"), {"township": demo.huangchi.pk}).status_code == 404
    assert clerk.get(reverse("dynamic:due"), {"township": demo.gushu.pk}).status_code == 200
    other = _client(client, demo, "clerk_huangchi").get(reverse("dynamic:due"))
    assert recipient.head_name not in other.content.decode()
    county = _client(client, demo, "supervisor")
    assert county.get(reverse("dynamic:due"), {"township": demo.gushu.pk}).status_code == 200


def test_an_assistant_of_another_village_or_a_clerk_of_another_township_gets_404(client, demo):
    other_village = Region.objects.get(code="340521100202")  # 桃花村, also in 姑孰镇
    recipient = _scheduled(demo, village=other_village)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    assistant = _client(client, demo, "assistant")
    assert assistant.get(reverse("dynamic:open", args=[recipient.pk])).status_code == 404
    assert assistant.get(reverse("dynamic:timeline", args=[recipient.pk])).status_code == 404
    assert assistant.get(reverse("dynamic:due"), {"village": other_village.pk}).status_code == 404
    api = assistant.post(
        "/api/dynamic/reviews/",
        {"recipient": recipient.pk, "trigger": "income"},
        content_type="application/json",
    )
    assert api.status_code == 404
    huangchi = _client(client, demo, "clerk_huangchi")
    assert huangchi.get(reverse("dynamic:conclusion", args=[review.case_id])).status_code == 404
    assert huangchi.get(f"/api/dynamic/reviews/{review.pk}/").status_code == 404
    assert huangchi.get(f"/api/dynamic/timelines/{recipient.pk}/").status_code == 404
    assert ReviewCase.objects.count() == 1


# --- bad input -------------------------------------------------------------------------


def test_a_death_date_in_the_future_is_refused_at_the_field_and_nothing_is_saved(client, demo):
    recipient = _scheduled(demo)
    c = _client(client, demo, "assistant")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page = c.post(
        reverse("dynamic:open", args=[recipient.pk]),
        {
            "trigger": ReviewTrigger.DEATH,
            "died_on": tomorrow.isoformat(),
            "member": _spouse(recipient).pk,
            "note": "户主去世",
        },
    )
    assert page.status_code == 200
    assert "死亡日期不能晚于今天" in page.content.decode()
    api = c.post(
        "/api/dynamic/reviews/",
        {"recipient": recipient.pk, "trigger": "death", "died_on": tomorrow.isoformat()},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["errors"]["died_on"] == ["死亡日期不能晚于今天"]
    assert not ReviewCase.objects.exists() and not Case.objects.filter(purpose="review").exists()


def test_a_phase_out_too_long_or_a_stop_without_reasons_is_refused_and_nothing_saved(client, demo):
    recipient = _scheduled(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    _visited(client, demo, review)
    approver = _client(client, demo, "approver")
    url = reverse("dynamic:conclusion", args=[review.case_id])
    page = approver.post(
        url,
        {"outcome": "phase_out", "phase_out_months": "7", "reasons": "收入超标", "then": "decide"},
    )
    assert page.status_code == 200
    assert "渐退期不能超过6个月" in page.content.decode()
    page = approver.post(url, {"outcome": "stop", "reasons": "", "then": "decide"})
    assert "须写明理由" in page.content.decode()
    api = approver.post(
        f"/api/dynamic/reviews/{review.pk}/conclude/",
        {"outcome": "phase_out", "phase_out_months": 9, "reasons": "x", "then": "decide"},
        content_type="application/json",
    )
    assert (
        api.status_code == 400
        and "渐退期不能超过6个月" in api.json()["errors"]["phase_out_months"][0]
    )
    review.refresh_from_db()
    assert review.outcome == "" and review.applied_at is None
    assert not PhaseOut.objects.exists()
    assert review.case.events.filter(transition="confirm").count() == 0
    assert state_for_month(recipient=recipient, month=_month(1)).status == "active"


# --- the flow --------------------------------------------------------------------------


def test_assistant_reports_a_death_and_the_approver_decides_a_reduced_amount(client, demo):
    recipient = _scheduled(demo)
    assistant = _client(client, demo, "assistant")
    died = timezone.localdate() - datetime.timedelta(days=5)
    form = assistant.get(reverse("dynamic:open", args=[recipient.pk]))
    assert "成员死亡" in form.content.decode() and "死亡后3个月内完成复核" in form.content.decode()
    spouse = _spouse(recipient)
    response = assistant.post(
        reverse("dynamic:open", args=[recipient.pk]),
        {
            "trigger": ReviewTrigger.DEATH,
            "died_on": died.isoformat(),
            "member": spouse.pk,
            "note": "户主配偶去世",
        },
    )
    review = ReviewCase.objects.get(recipient=recipient)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:detail", args=[review.case_id])
    assert review.due_on == add_months(died, 3)
    # The member's death takes them out of the covered members from the next month.
    later = state_for_month(recipient=recipient, month=next_month(died))
    assert spouse.pk not in later.covered_member_ids and later.status == "active"
    death_month = died.replace(day=1)
    assert spouse.pk in state_for_month(recipient=recipient, month=death_month).covered_member_ids
    case_page = assistant.get(response["Location"]).content.decode()
    assert reverse("dynamic:conclusion", args=[review.case_id]) in case_page

    case = _visited(client, demo, review)
    clerk = _client(client, demo, "clerk")
    url = reverse("dynamic:conclusion", args=[case.pk])
    saved = clerk.post(
        url, {"outcome": "amount", "new_amount": "300.00", "reasons": "成员去世，人数减少"}
    )
    assert saved.status_code == 302
    review.refresh_from_db()
    assert review.outcome == ReviewOutcome.AMOUNT and review.applied_at is None

    approver = _client(client, demo, "approver")
    page = approver.get(url).content.decode()
    assert "您可以办理" in page
    decided = approver.post(
        url,
        {
            "outcome": "amount",
            "new_amount": "300.00",
            "reasons": "成员去世，人数减少",
            "opinion": "同意调整",
            "then": "decide",
        },
        follow=True,
    )
    assert "已作出复核决定：调整金额" in decided.content.decode()
    case.refresh_from_db()
    review.refresh_from_db()
    assert case.state == CaseState.CONFIRMED and case.route == Case.Route.TOWNSHIP
    assert review.applied_at is not None and review.effective_month == _month(1)
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("300")
    assert state_for_month(recipient=recipient, month=_month(0)).monthly_amount == Decimal("580")
    timeline = approver.get(reverse("dynamic:timeline", args=[recipient.pk])).content.decode()
    assert "启动复核（成员死亡）" in timeline and "复核决定：调整金额" in timeline
    api = approver.get(f"/api/dynamic/timelines/{recipient.pk}/").json()
    kinds = [e["kind"] for e in api]
    assert kinds[0] == "application" and "review" in kinds and "change" in kinds


def test_a_review_goes_to_the_county_when_the_delegation_is_suspended_that_day(client, demo):
    recipient = _scheduled(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _visited(client, demo, review)
    delegation = Delegation.objects.get(
        township=demo.gushu, assistance_type=recipient.assistance_type
    )
    delegation_change_status(
        delegation=delegation,
        status="suspended",
        effective_date=timezone.localdate(),
        reason="整改期间暂停",
        actor=demo.user("supervisor"),
    )
    url = reverse("dynamic:conclusion", args=[case.pk])
    approver = _client(client, demo, "approver")
    refused = approver.post(
        url, {"outcome": "continue", "reasons": "", "opinion": "同意", "then": "decide"}
    )
    assert refused.status_code == 200
    assert "本乡镇当前未获得该救助类型的审核确认权，须报县审批" in refused.content.decode()
    review.refresh_from_db()
    case.refresh_from_db()
    assert review.outcome == "" and case.state == CaseState.REVIEW  # nothing saved
    referred = approver.post(
        url, {"outcome": "suspend", "reasons": "外出务工收入待核实", "then": "refer"}
    )
    assert referred.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.COUNTY_REVIEW and case.route == Case.Route.COUNTY
    # On the county route only the county decides.
    again = approver.post(url, {"outcome": "continue", "then": "decide"})
    assert again.status_code == 403
    county = _client(client, demo, "supervisor")
    done = county.post(
        url,
        {"outcome": "suspend", "reasons": "外出务工收入待核实", "then": "decide"},
        follow=True,
    )
    assert "已作出复核决定：暂停" in done.content.decode()
    case.refresh_from_db()
    review.refresh_from_db()
    assert case.state == CaseState.CONFIRMED and review.applied_at is not None
    assert state_for_month(recipient=recipient, month=_month(1)).status == "suspended"
    notice = county.get(reverse("dynamic:notice", args=[case.pk]))
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"


def test_a_change_in_a_locked_roster_month_takes_the_next_open_month(client, demo):
    from funds.rosters.models import RosterRun, RunState

    recipient = _scheduled(demo)
    RosterRun.objects.create(
        township=recipient.township,
        assistance_type=recipient.assistance_type,
        month=_month(1),
        state=RunState.LOCKED,
        prepared_by=demo.user("clerk"),
    )
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _visited(client, demo, review)
    approver = _client(client, demo, "approver")
    done = approver.post(
        reverse("dynamic:conclusion", args=[case.pk]),
        {"outcome": "amount", "new_amount": "400", "reasons": "收入增加", "then": "decide"},
        follow=True,
    )
    text = done.content.decode()
    assert f"{_month(1):%Y年%m月}的发放花名册已锁定" in text
    review.refresh_from_db()
    assert review.effective_month == _month(2)
    assert state_for_month(recipient=recipient, month=_month(1)).monthly_amount == Decimal("580")
    assert state_for_month(recipient=recipient, month=_month(2)).monthly_amount == Decimal("400")


# --- campaign and API lists ------------------------------------------------------------


def test_the_campaign_page_previews_and_opens_for_the_clerks_township(client, demo):
    mine = [_scheduled(demo) for _ in range(2)]
    _scheduled(demo, village=demo.wuxi_village)  # another township's
    clerk = _client(client, demo, "clerk")
    preview = clerk.post(reverse("dynamic:campaigns"), {"preview": "1"})
    assert "<strong>2</strong> 户" in preview.content.decode()
    missing = clerk.post(reverse("dynamic:campaigns"), {"open": "1", "name": "年度复核"})
    assert "请填写复核截止日" in missing.content.decode()
    assert not ReviewCase.objects.exists()
    opened = clerk.post(
        reverse("dynamic:campaigns"),
        {"open": "1", "name": "2026年集中复核", "due_on": _month(3).isoformat()},
    )
    assert opened.status_code == 302
    assert set(ReviewCase.objects.values_list("recipient_id", flat=True)) == {r.pk for r in mine}
    assert _client(client, demo, "assistant").get(reverse("dynamic:campaigns")).status_code == 403
    api = _client(client, demo, "supervisor").post(
        "/api/dynamic/campaigns/preview/", {}, content_type="application/json"
    )
    assert api.json() == {"count": 1}


def test_the_due_api_marks_overdue_schedules(client, demo):
    recipient = _scheduled(demo)
    from funds.dynamic.models import ReviewSchedule

    ReviewSchedule.objects.filter(recipient=recipient).update(
        next_due=timezone.localdate() - datetime.timedelta(days=3)
    )
    data = _client(client, demo, "clerk").get("/api/dynamic/due/", {"overdue": "1"}).json()
    (row,) = data["results"]
    assert row["recipient"] == recipient.pk and row["overdue"] is True
    assert row["workdays_left"] <= 0
    page = client.get(reverse("dynamic:due"), {"overdue": "1"}).content.decode()
    assert 'data-testid="mark-overdue"' in page


def test_every_page_renders_for_the_roles_that_use_it_and_the_menu_links_them(client, demo):
    recipient = _scheduled(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.MOVED_OUT
    )
    for username in ("assistant", "clerk", "approver", "supervisor"):
        c = _client(client, demo, username)
        home = c.get(reverse("dynamic:due"))
        assert home.status_code == 200 and reverse("dynamic:due") in home.content.decode()
        assert c.get(reverse("dynamic:conclusion", args=[review.case_id])).status_code == 200
        assert c.get(reverse("dynamic:timeline", args=[recipient.pk])).status_code == 200
        detail = c.get(reverse("recipients:detail", args=[recipient.pk])).content.decode()
        assert reverse("dynamic:timeline", args=[recipient.pk]) in detail
    for username in ("clerk", "supervisor"):
        page = _client(client, demo, username).get(reverse("dynamic:campaigns"))
        assert page.status_code == 200 and 'data-testid="campaign-form"' in page.content.decode()
    assert _client(client, demo, "verifier").get(reverse("dynamic:due")).status_code == 403


def test_the_due_list_reads_a_fixed_number_of_queries_whatever_its_length(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("dynamic:due")).status_code == 200
        return len(ctx.captured_queries)

    c = _client(client, demo, "clerk")
    for _ in range(2):
        recipient = _scheduled(demo)
        review_open(recipient=_scheduled(demo), actor=demo.user("clerk"), trigger="income")
    few = count()
    for _ in range(4):
        _scheduled(demo)
        review_open(recipient=_scheduled(demo), actor=demo.user("clerk"), trigger="income")
    assert count() == few
    assert recipient.head_name


def test_workdays_left_agrees_with_workdays_between_both_ways(db):
    from relief.workdays import workdays_between, workdays_left

    today = datetime.date(2026, 9, 28)  # before the National Day week
    dues = [today + datetime.timedelta(days=n) for n in (-40, -3, 0, 1, 9, 15, 200)]
    left = workdays_left(today, dues)
    for due in dues:
        expected = workdays_between(today, due) if due >= today else -workdays_between(due, today)
        assert left[due] == expected, due


def test_the_death_of_the_only_covered_member_stops_support_from_the_next_month(client, demo):
    recipient = _scheduled(demo, members=1)
    (only,) = recipient.household.members.all()
    died = timezone.localdate() - datetime.timedelta(days=2)
    c = _client(client, demo, "assistant")
    missing = c.post(
        reverse("dynamic:open", args=[recipient.pk]),
        {"trigger": ReviewTrigger.DEATH, "died_on": died.isoformat()},
    )
    assert "请选择去世的成员" in missing.content.decode()
    assert not ReviewCase.objects.exists()
    done = c.post(
        reverse("dynamic:open", args=[recipient.pk]),
        {"trigger": ReviewTrigger.DEATH, "died_on": died.isoformat(), "member": only.pk},
        follow=True,
    )
    assert "唯一保障成员" in done.content.decode()
    review = ReviewCase.objects.get(recipient=recipient)
    assert review.outcome == ReviewOutcome.STOP and review.applied_at is not None
    assert state_for_month(recipient=recipient, month=next_month(died)).status == "stopped"
    assert state_for_month(recipient=recipient, month=died.replace(day=1)).status == "active"
    change = recipient.changes.order_by("-pk").first()
    assert change.actor_role == "system" and change.actor is None
    # The record is closed by the ordinary decision, which changes the register no further.
    case = _visited(client, demo, review)
    _post_transition(_client(client, demo, "approver"), case, "confirm", opinion="同意结案")
    case.refresh_from_db()
    assert case.state == CaseState.CONFIRMED
    assert recipient.changes.count() == 2


def test_confirming_a_review_without_a_conclusion_on_the_case_page_is_refused_in_chinese(
    client, demo
):
    recipient = _scheduled(demo)
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = _visited(client, demo, review)
    page = _post_transition(_client(client, demo, "approver"), case, "confirm")
    assert page.status_code == 302
    shown = client.get(page["Location"]).content.decode()
    assert "复核案件尚未填写复核结论" in shown
    case.refresh_from_db()
    assert case.state == CaseState.REVIEW
