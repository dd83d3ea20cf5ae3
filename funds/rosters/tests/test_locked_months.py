"""A change effective in a month whose roster is locked (issue 14, bad input): it takes the
next open month and says so, in the change's reason and to the caller; a change meant to
reach back (``move_out_of_locked=False``) keeps its month and the next roster pays the
difference. Worked months in each test (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from funds.recipients.models import ChangeKind, RecipientStatus
from funds.recipients.services import first_open_month, recipient_change
from funds.rosters.tests.conftest import d, lines_of

pytestmark = pytest.mark.django_db


def review_change(world, recipient, *, month, **fields):
    """As a review's decision calls the register (the default: move out of locked months)."""
    return recipient_change(
        recipient=recipient,
        actor=world.clerk,
        effective_month=month,
        reason="复核：家庭收入增加",
        kind=ChangeKind.STATUS if "status" in fields else ChangeKind.AMOUNT,
        source_label="复核案件",
        **fields,
    )


def test_a_reduction_asked_for_a_locked_month_takes_the_next_open_month(world):
    # 500/month from September 2026; the September and October rosters are locked. A review
    # asks for 400 from October: October is settled, so 400 applies from November, October
    # stays paid at 500 (no 追缴 line), and November's roster pays 400.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    change = review_change(world, r, month=d(2026, 10, 20), monthly_amount=Decimal("400"))
    notice = "2026年10月花名册已锁定，变更自2026年11月起生效"
    assert (change.moved_from, change.effective_month) == (d(2026, 10), d(2026, 11))
    assert change.moved_notice == notice
    change.refresh_from_db()
    assert change.effective_month == d(2026, 11)
    assert change.reason == f"复核：家庭收入增加（{notice}）"
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [("regular", "2026-11", Decimal("400.00"))]


def test_a_month_before_the_latest_locked_one_names_its_own_locked_roster(world):
    # Locked: September and October. A suspension asked for September moves to November;
    # the message names September, the month asked for.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    change = review_change(world, r, month=d(2026, 9), status=RecipientStatus.SUSPENDED)
    assert change.effective_month == d(2026, 11)
    assert change.moved_notice == "2026年09月花名册已锁定，变更自2026年11月起生效"
    assert change.monthly_amount == Decimal("0.00")
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == []  # 暂停 from November: nothing due, nothing recovered


def test_a_month_without_a_roster_before_a_locked_one_is_settled_too(world):
    # September's roster locked; no October roster was run and November's was locked (it
    # paid October back). A change asked for October would reach into November's settled
    # amounts: it takes December, and the message names November's locked roster.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 11))
    assert first_open_month(recipient=r, month=d(2026, 10)) == (d(2026, 12), d(2026, 11))
    change = review_change(world, r, month=d(2026, 10), monthly_amount=Decimal("450"))
    assert change.effective_month == d(2026, 12)
    assert change.moved_notice == "2026年11月花名册已锁定，变更自2026年12月起生效"
    run = world.run(d(2026, 12))
    assert lines_of(run, r) == [("regular", "2026-12", Decimal("450.00"))]


def test_an_open_month_is_kept_and_nothing_is_said(world):
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run(d(2026, 10))  # computed, not locked: October is still open
    change = review_change(world, r, month=d(2026, 10), monthly_amount=Decimal("420"))
    assert (change.effective_month, change.moved_from, change.moved_notice) == (
        d(2026, 10),
        None,
        "",
    )
    assert change.reason == "复核：家庭收入增加"
    # September is locked: a change asked for it would take October.
    assert first_open_month(recipient=r, month=d(2026, 9)) == (d(2026, 10), d(2026, 9))


def test_a_change_meant_to_reach_back_keeps_its_month_and_the_next_roster_recovers(world):
    # Same household, but a 追缴-type correction: 300 from October kept as asked. November's
    # roster: −200 for October (paid 500, due 300) and 300 for November.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    change = recipient_change(
        recipient=r,
        actor=world.clerk,
        effective_month=d(2026, 10),
        reason="查实隐瞒收入，自10月起调减",
        kind=ChangeKind.AMOUNT,
        source_label="追缴决定",
        monthly_amount=Decimal("300"),
        move_out_of_locked=False,
    )
    assert (change.effective_month, change.moved_from) == (d(2026, 10), None)
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [
        ("recovery", "2026-10", Decimal("-200.00")),
        ("regular", "2026-11", Decimal("300.00")),
    ]
