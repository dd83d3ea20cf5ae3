"""The household's full timeline (page and API): the application, its confirmation, each
review (opened and decided), each amount change of the register and each roster month paid
(lines of a locked roster), in date order; another township answers 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from cases.workflow.services import case_transition
from funds.dynamic.models import ReviewOutcome, ReviewTrigger
from funds.dynamic.services import add_months, review_conclude, review_open
from funds.recipients.tests.support import registered
from funds.rosters.models import LineResult, RosterLine
from funds.rosters.services import roster_check, roster_compute, roster_lock, roster_run_start

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime.date:
    return add_months(timezone.localdate().replace(day=1), offset)


def _paid_month(demo, recipient, month):
    run = roster_run_start(
        township=recipient.township,
        month=month,
        assistance_type=recipient.assistance_type,
        actor=demo.user("clerk"),
    )
    roster_compute(run_id=run.pk)
    run.refresh_from_db()
    roster_check(run=run, actor=demo.user("clerk"))
    roster_lock(run=run, actor=demo.user("approver"))
    RosterLine.objects.filter(run=run, recipient=recipient).update(result=LineResult.PAID)


def test_the_timeline_shows_application_confirmation_review_change_and_paid_months(client, demo):
    recipient = registered(demo)
    _paid_month(demo, recipient, _month(1))
    review = review_open(
        recipient=recipient, actor=demo.user("clerk"), trigger=ReviewTrigger.INCOME
    )
    case = review.case
    clerk = demo.user("clerk")
    case_transition(case=case, name="start_investigation", actor=clerk)
    Case.objects.filter(pk=case.pk).update(survey_status="complete")
    case.refresh_from_db()
    case_transition(case=case, name="finish_investigation", actor=clerk, opinion="入户核实")
    result = review_conclude(
        review=review,
        actor=demo.user("approver"),
        outcome=ReviewOutcome.AMOUNT,
        new_amount=Decimal("400"),
        reasons="家庭收入增加",
        then="decide",
        opinion="同意调整",
    )
    assert result.review.effective_month == _month(2)

    client.force_login(demo.user("approver"))
    api = client.get(f"/api/dynamic/timelines/{recipient.pk}/")
    assert api.status_code == 200
    entries = api.json()
    kinds = [e["kind"] for e in entries]
    assert set(kinds) == {"application", "confirmation", "review", "change", "paid"}
    assert kinds[0] == "application" and kinds[1] == "confirmation"
    days = [e["day"] for e in entries]
    assert days == sorted(days)
    paid = [e for e in entries if e["kind"] == "paid"]
    # The first roster pays the month and the months since the first month as back pay,
    # each entry on the month it pays.
    assert {e["day"] for e in paid} == {
        add_months(recipient.first_month, n).isoformat()
        for n in range(
            (_month(1).year - recipient.first_month.year) * 12
            + _month(1).month
            - recipient.first_month.month
            + 1
        )
    }
    assert all("（已发放）" in e["title"] for e in paid)
    assert all(Decimal(e["amount"]) == Decimal("580") for e in paid)
    decided = [e for e in entries if e["title"] == "复核决定：调整金额"]
    assert len(decided) == 1 and Decimal(decided[0]["amount"]) == Decimal("400")
    assert any(
        e["kind"] == "change" and Decimal(e["amount"] or 0) == Decimal("400") for e in entries
    )

    page = client.get(reverse("dynamic:timeline", args=[recipient.pk])).content.decode()
    for text in (
        "提出申请",
        "审核确认",
        "启动复核（收入变化）",
        "复核决定：调整金额",
        f"{_month(1):%Y年%m月}",
        "（已发放）",
    ):
        assert text in page, text

    client.force_login(demo.user("clerk_huangchi"))
    assert client.get(reverse("dynamic:timeline", args=[recipient.pk])).status_code == 404
    assert client.get(f"/api/dynamic/timelines/{recipient.pk}/").status_code == 404
