"""The amounts of a roster, month by month, with worked numbers (run on SQLite and, with
DATABASE_URL, on PostgreSQL's INSERT … SELECT: the same assertions hold for both)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funds.recipients.models import Bank, BankAccount, RecipientStatus
from funds.rosters import services
from funds.rosters.models import Channel, LineKind
from funds.rosters.tests.conftest import d, lines_of, luhn_account
from relief.policy import policy_set

pytestmark = pytest.mark.django_db


def test_back_pay_across_a_mid_month_confirmation(world):
    # Confirmed on 15 September 2026 → paid from October (A Art.21: the month after).
    # No roster ran in October or November; the December roster pays both months back.
    r = world.recipient(confirmed_on=d(2026, 9, 15), amount="530")
    run = world.run(d(2026, 12))
    assert lines_of(run, r) == [
        ("back_pay", "2026-10", Decimal("530.00")),
        ("back_pay", "2026-11", Decimal("530.00")),
        ("regular", "2026-12", Decimal("530.00")),
    ]
    assert run.bank_amount == Decimal("1590.00")  # 3 × 530
    assert run.recipient_count == 1
    assert run.totals_by_kind == {
        "back_pay": {"count": 2, "amount": "1060.00"},
        "regular": {"count": 1, "amount": "530.00"},
    }


def test_confirmation_on_the_last_day_of_a_month_is_paid_from_the_next(world):
    r = world.recipient(confirmed_on=d(2026, 10, 31), amount="400")
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [("regular", "2026-11", Decimal("400.00"))]


def test_a_month_already_rostered_is_not_paid_again(world):
    r = world.recipient(confirmed_on=d(2026, 8, 20), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [("regular", "2026-11", Decimal("500.00"))]


def test_a_standard_raised_with_an_earlier_effective_month_pays_the_difference_back(world):
    # 500/month from September; September and October rostered and locked at 500.
    # In November the county raises the amount to 540 with effect from September:
    # November's roster pays 2 × 40 back plus November's 540 = 620.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    world.change(r, month=d(2026, 9), monthly_amount="540", reason="提高农村低保标准")
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [
        ("back_pay", "2026-09", Decimal("40.00")),
        ("back_pay", "2026-10", Decimal("40.00")),
        ("regular", "2026-11", Decimal("540.00")),
    ]
    assert run.bank_amount == Decimal("620.00")
    back = run.lines.get(month=d(2026, 9))
    assert back.why_detail["in_force"] == "540.00"
    assert back.why_detail["already"] == "500.00"
    assert back.why_detail["amount"] == "40.00"
    assert back.why_detail["change"]["effective_month"] == "2026-09"
    assert back.why_detail["change"]["reason"] == "提高农村低保标准"


def test_a_reduction_found_later_gives_a_recovery_line_offset_in_the_bank_file(world):
    # 500/month from September, September and October paid. A review finds the income
    # rose from October: 300 from October. November: −200 for October, 300 for November.
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    world.change(r, month=d(2026, 10), monthly_amount="300", reason="收入增加")
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [
        ("recovery", "2026-10", Decimal("-200.00")),
        ("regular", "2026-11", Decimal("300.00")),
    ]
    recovery = run.lines.get(kind=LineKind.RECOVERY)
    assert recovery.channel == Channel.BANK
    assert run.bank_amount == Decimal("100.00")
    assert run.separate_recovery_amount == 0


def test_recovery_collected_separately_stays_out_of_the_bank_file(world):
    policy_set(
        region=world.demo.county,
        key="roster_recovery_mode",
        raw_value="separate",
        effective_from=d(2026, 1),
        actor=None,
    )
    r = world.recipient(confirmed_on=d(2026, 8, 10), amount="500")
    world.run_and_lock(d(2026, 9))
    world.change(r, month=d(2026, 9), monthly_amount="450", reason="收入增加")
    run = world.run(d(2026, 10))
    assert lines_of(run, r) == [
        ("recovery", "2026-09", Decimal("-50.00")),
        ("regular", "2026-10", Decimal("450.00")),
    ]
    assert run.lines.get(kind=LineKind.RECOVERY).channel == Channel.SEPARATE
    assert run.bank_amount == Decimal("450.00")
    assert run.separate_recovery_amount == Decimal("-50.00")
    # Once assigned, the recovery is not raised again next month.
    world.lock(run)
    assert lines_of(world.run(d(2026, 11)), r) == [("regular", "2026-11", Decimal("450.00"))]


def test_suspended_months_give_nothing(world):
    # 500 from September; suspended October and November, resumed in December.
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    world.change(r, month=d(2026, 10), status=RecipientStatus.SUSPENDED, reason="外出务工暂停")
    world.change(r, month=d(2026, 12), status=RecipientStatus.ACTIVE, reason="恢复")
    run = world.run(d(2026, 12))
    assert lines_of(run, r) == [
        ("back_pay", "2026-09", Decimal("500.00")),
        ("regular", "2026-12", Decimal("500.00")),
    ]


def test_a_suspension_backdated_into_a_paid_month_recovers_it(world):
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    world.change(r, month=d(2026, 10), status=RecipientStatus.STOPPED, reason="迁出本县")
    run = world.run(d(2026, 11))
    assert lines_of(run, r) == [("recovery", "2026-10", Decimal("-500.00"))]


def test_amounts_are_decimal_to_the_cent(world):
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="333.33")
    run = world.run(d(2026, 11))
    amounts = [line.amount for line in run.lines.filter(recipient=r)]
    assert all(type(a) is Decimal for a in amounts)
    assert sum(amounts) == Decimal("999.99")
    assert run.bank_amount == Decimal("999.99")
    assert type(run.bank_amount) is Decimal


def test_a_recipient_without_an_account_is_held_and_counted_then_paid_as_arrears(world):
    with_account = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    without = world.recipient(confirmed_on=d(2026, 8, 3), amount="420", account=False)
    run = world.run_and_lock(d(2026, 9))
    assert run.missing_account_count == 1
    assert run.bank_line_count == 1 and run.bank_amount == Decimal("500.00")
    assert run.held_line_count == 1 and run.held_amount == Decimal("420.00")
    held = run.lines.get(recipient=without)
    assert held.channel == Channel.HELD
    # The account is registered; October carries September as arrears with the reason.
    without.bank_account = BankAccount.objects.create(
        household=without.household,
        holder_name=without.head_name,
        bank=Bank.PSBC,
        account_number=luhn_account(999),
        agent_reason="",
    )
    without.save(update_fields=["bank_account"])
    october = world.run(d(2026, 10))
    assert lines_of(october, without) == [
        ("regular", "2026-10", Decimal("420.00")),
        ("arrears", "2026-09", Decimal("420.00")),
    ]
    arrears = october.lines.get(recipient=without, kind=LineKind.ARREARS)
    assert arrears.carried_from == held
    assert arrears.channel == Channel.BANK
    assert "未登记有效发放账户" in arrears.detail["reason"]
    assert october.missing_account_count == 0
    assert lines_of(october, with_account) == [("regular", "2026-10", Decimal("500.00"))]


def test_a_recipient_registered_late_with_an_earlier_first_month_is_paid_back(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    world.run_and_lock(d(2026, 9))
    world.run_and_lock(d(2026, 10))
    # Registered only now, but confirmed in August: September and October are owed.
    late = world.recipient(confirmed_on=d(2026, 8, 28), amount="610")
    run = world.run(d(2026, 11))
    assert lines_of(run, late) == [
        ("back_pay", "2026-09", Decimal("610.00")),
        ("back_pay", "2026-10", Decimal("610.00")),
        ("regular", "2026-11", Decimal("610.00")),
    ]


def test_a_supplementary_run_after_lock_pays_only_the_correction(world):
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    other = world.recipient(confirmed_on=d(2026, 8, 3), amount="450")
    world.run_and_lock(d(2026, 9))
    world.change(r, month=d(2026, 9), monthly_amount="520", reason="核算更正")
    supplementary = world.run(d(2026, 9), kind="supplementary")
    assert lines_of(supplementary) == [("back_pay", "2026-09", Decimal("20.00"))]
    assert lines_of(supplementary, other) == []


def test_recovery_orders_and_one_off_payments_join_the_next_run(world):
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    services.recovery_order_create(
        recipient=r, amount="120.50", months="2026-06", reason="隐瞒收入多领", actor=world.clerk
    )
    paid = services.one_off_payment_create(
        household=r.household,
        assistance_type=world.type,
        amount="800",
        granted_on=d(2026, 9, 5),
        reason="火灾临时救助",
        payee_name=r.head_name,
        payee_id_number=r.head_id_number,
        payee_bank="rcc",
        payee_account="6217000000000000017",
        actor=world.clerk,
    )
    village_fund = services.one_off_payment_create(
        household=r.household,
        assistance_type=world.type,
        amount="300",
        granted_on=d(2026, 9, 5),
        reason="村级互助金先行救助",
        payee_name=r.head_name,
        payee_id_number=r.head_id_number,
        paid_by_village_fund=True,
        actor=world.clerk,
    )
    run = world.run(d(2026, 9))
    kinds = sorted((line.kind, line.amount) for line in run.lines.all())
    assert kinds == [
        ("one_off", Decimal("800.00")),
        ("recovery", Decimal("-120.50")),
        ("regular", Decimal("500.00")),
    ]
    paid.refresh_from_db()
    village_fund.refresh_from_db()
    assert paid.roster_line.run == run
    assert village_fund.roster_line is None
    assert run.bank_amount == Decimal("1179.50")


def test_bad_one_off_amounts_are_refused_in_chinese(world):
    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    for bad, message in (("-5", "金额须大于0"), ("abc", "金额须为数字"), ("1.234", "两位小数")):
        with pytest.raises(ValidationError) as exc:
            services.one_off_payment_create(
                household=r.household,
                assistance_type=world.type,
                amount=bad,
                granted_on=d(2026, 9, 5),
                reason="事由",
                payee_name="王五",
                payee_id_number=r.head_id_number,
                actor=world.clerk,
            )
        assert message in str(exc.value.message_dict["amount"])


def test_a_temporary_assistance_grant_is_paid_by_a_roster_of_its_type(world):
    from relief.models import AssistanceType

    r = world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    temporary = AssistanceType.objects.get(code="temp_expense")
    services.one_off_payment_create(
        household=r.household,
        assistance_type=temporary,
        amount="1500.00",
        granted_on=d(2026, 11, 20),
        reason="重病住院支出型临时救助",
        payee_name=r.head_name,
        payee_id_number=r.head_id_number,
        payee_bank="psbc",
        payee_account="6221000000000000019",
        actor=world.clerk,
    )
    world.type = temporary
    run = world.run(d(2026, 11))
    assert lines_of(run) == [("one_off", "2026-11", Decimal("1500.00"))]
    assert run.lines.get().detail["reason"] == "重病住院支出型临时救助"
