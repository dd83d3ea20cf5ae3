"""A county correction of the amount (依法纠正, review:correction) reaches the register as the
recipient's signed change in the same transaction (cases.workflow.hooks.case_amount_changed,
received in funds), and the next roster follows: worked months in each test. Driven through
the supervisor's page, as funds may not import review."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from funds.recipients.models import ChangeKind, RecipientChange, RecipientStatus
from funds.rosters.tests.conftest import d, lines_of
from relief.models import Role

pytestmark = pytest.mark.django_db

BASIS = "《最低生活保障审核确认办法》第二十三条"


def correct(client, demo, recipient, *, amount, effective_from, reasons="收入核算有误"):
    client.force_login(demo.user("supervisor"))
    return client.post(
        reverse("review:correction", args=[recipient.case_id]),
        {
            "action": "amount",
            "a-new_amount": amount,
            "a-effective_from": effective_from,
            "a-reasons": reasons,
            "a-legal_basis": BASIS,
        },
    )


def test_a_correction_reaching_into_a_locked_month_is_signed_by_the_supervisor_and_recovered(
    client, demo, world
):
    # 500/month from September 2026 (confirmed 10 August); September and October locked.
    # The county corrects the amount to 420 from 1 October: the register changes from
    # October (the correction names its date, so it reaches back), and November's roster
    # pays 420 and recovers October's 80 overpaid (500 − 420) as a 追缴 line.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    response = correct(client, demo, r, amount="420.00", effective_from="2026-10-01")
    assert response.status_code == 302
    change = RecipientChange.objects.filter(recipient=r).latest("pk")
    supervisor = demo.user("supervisor")
    assert change.kind == ChangeKind.AMOUNT
    assert (change.effective_month, change.monthly_amount) == (d(2026, 10), Decimal("420.00"))
    assert (change.previous_amount, change.status) == (Decimal("500.00"), RecipientStatus.ACTIVE)
    assert (change.actor, change.actor_role) == (supervisor, Role.COUNTY_SUPERVISOR)
    assert change.reason == f"县级依法纠正救助金额：收入核算有误（法律依据：{BASIS}）"
    assert change.source_label == f"案件 {r.case.number} 县级依法纠正金额"
    r.refresh_from_db()
    assert r.monthly_amount == Decimal("420.00")
    run = world.run(d(2026, 11))
    assert sorted(lines_of(run, r)) == [
        ("recovery", "2026-10", Decimal("-80.00")),
        ("regular", "2026-11", Decimal("420.00")),
    ]


def test_a_correction_from_a_day_of_an_open_month_changes_that_month(client, demo, world):
    # 500/month from September; September locked. Corrected to 560 from 15 October: the
    # register changes from October, and October's roster pays 560.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    assert correct(client, demo, r, amount="560", effective_from="2026-10-15").status_code == 302
    change = RecipientChange.objects.filter(recipient=r).latest("pk")
    assert (change.effective_month, change.monthly_amount) == (d(2026, 10), Decimal("560.00"))
    assert lines_of(world.run(d(2026, 10)), r) == [("regular", "2026-10", Decimal("560.00"))]


def test_a_refused_correction_writes_no_recipient_change(client, demo, world):
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    before = RecipientChange.objects.filter(recipient=r).count()
    response = correct(client, demo, r, amount="420", effective_from="2026-10-01", reasons=" ")
    assert response.status_code == 200 and "reasons" in response.context["amount_form"].errors
    # the register refuses too (暂停 from October: nothing is paid, nothing to correct), and
    # the whole correction rolls back: no amount change on the case, nothing in the register
    world.change(r, month=d(2026, 10), status=RecipientStatus.SUSPENDED)
    response = correct(client, demo, r, amount="420", effective_from="2026-10-01")
    assert response.status_code == 200
    assert "当月不发放，不能纠正金额" in str(
        response.context["amount_form"].errors["effective_from"]
    )
    assert RecipientChange.objects.filter(recipient=r).count() == before + 1
    assert not r.case.amount_changes.exists()
    assert not r.case.events.filter(transition="county_amount_change").exists()
