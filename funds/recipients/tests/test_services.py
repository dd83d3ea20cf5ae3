import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cases.workflow.services import case_transition
from funds.recipients.models import (
    AccountKind,
    Bank,
    ChangeKind,
    Recipient,
    RecipientChange,
    RecipientStatus,
)
from funds.recipients.selectors import state_for_month, states_for_month
from funds.recipients.services import (
    bank_account_reveal,
    bank_account_set,
    recipient_change,
    recipient_register_from_case,
)
from funds.recipients.tests.support import luhn_complete, paying_case, registered
from relief.models import DataReveal

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE = (datetime.date(2026, m, 1) for m in (3, 4, 5, 6))


def test_a_case_confirmed_mid_month_is_paid_from_the_next_month(demo):
    case, event = paying_case(demo, confirmed_on=datetime.date(2026, 3, 17), members=3)
    recipient = recipient_register_from_case(case=case, event=event)
    assert recipient.first_month == APRIL
    assert recipient.monthly_amount == Decimal("580.00")
    assert recipient.status == RecipientStatus.ACTIVE
    assert recipient.covered_count == 3
    assert recipient.head_name == case.applicant.name
    assert recipient.head_id_number == case.applicant.id_number
    assert "当涂县农村低保标准" in recipient.standard_label
    change = recipient.changes.get()
    assert change.kind == ChangeKind.REGISTERED
    assert change.effective_month == APRIL
    assert change.covered_member_ids == sorted(case.household.members.values_list("pk", flat=True))
    assert change.source_label == f"案件 {case.number} 审核确认"
    assert (change.actor, change.actor_role) == (event.actor, "township_clerk")
    assert "2026年03月17日审核确认" in change.reason


def test_confirmation_on_the_last_day_of_december_starts_in_january(demo):
    recipient = registered(demo, confirmed_on=datetime.date(2026, 12, 31))
    assert recipient.first_month == datetime.date(2027, 1, 1)


def test_registration_is_idempotent(demo):
    case, event = paying_case(demo)
    first = recipient_register_from_case(case=case, event=event)
    again = recipient_register_from_case(case=case, event=event)
    assert again.pk == first.pk
    assert Recipient.objects.count() == 1
    assert RecipientChange.objects.count() == 1


def test_registration_without_an_amount_is_refused_in_chinese(demo):
    case, event = paying_case(demo, amount=None)
    with pytest.raises(ValidationError) as info:
        recipient_register_from_case(case=case, event=event)
    assert "尚未核定月救助金额" in str(info.value)
    assert not Recipient.objects.exists()


def test_a_temporary_assistance_case_is_not_a_monthly_recipient(demo):
    case, event = paying_case(demo, type_code="temp_expense")
    assert recipient_register_from_case(case=case, event=event) is None
    assert not Recipient.objects.exists()


def test_a_change_is_a_new_signed_row_never_an_edit(demo):
    recipient = registered(demo)
    registration = recipient.changes.get()
    approver = demo.user("approver")
    change = recipient_change(
        recipient=recipient,
        actor=approver,
        effective_month=datetime.date(2026, 6, 15),
        reason="家庭收入减少，重新核算",
        kind=ChangeKind.AMOUNT,
        source_label="复核 2026-06",
        monthly_amount=Decimal("640.00"),
    )
    assert change.effective_month == JUNE
    assert (change.previous_amount, change.monthly_amount) == (Decimal("580.00"), Decimal("640.00"))
    assert (change.actor, change.actor_role, change.actor_name) == (
        approver,
        "township_approver",
        str(approver),
    )
    registration.refresh_from_db()
    assert registration.monthly_amount == Decimal("580.00")
    assert state_for_month(recipient=recipient, month=MAY).pk == registration.pk
    assert state_for_month(recipient=recipient, month=JUNE).pk == change.pk
    recipient.refresh_from_db()
    assert recipient.monthly_amount == Decimal("640.00")


def test_suspension_carries_zero_and_resuming_takes_the_last_amount(demo):
    recipient = registered(demo)
    clerk = demo.user("clerk")
    suspended = recipient_change(
        recipient=recipient,
        actor=clerk,
        effective_month=MAY,
        reason="外出务工，暂停核查",
        kind=ChangeKind.STATUS,
        source_label="复核",
        status=RecipientStatus.SUSPENDED,
    )
    assert suspended.monthly_amount == Decimal("0.00")
    resumed = recipient_change(
        recipient=recipient,
        actor=clerk,
        effective_month=JUNE,
        reason="核查完毕，恢复发放",
        kind=ChangeKind.STATUS,
        source_label="复核",
        status=RecipientStatus.ACTIVE,
    )
    assert resumed.monthly_amount == Decimal("580.00")
    annotated = states_for_month(Recipient.objects.all(), month=MAY).get()
    assert (annotated.state_status, annotated.state_amount) == ("suspended", Decimal("0.00"))


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"effective_month": MARCH}, "effective_month", "不能早于起始发放月（2026年04月）"),
        ({"reason": "  "}, "reason", "请填写变更原因"),
        ({"monthly_amount": Decimal("-1")}, "monthly_amount", "金额不能为负数"),
        ({"monthly_amount": 600.5}, "monthly_amount", "不接受浮点数"),
        ({"monthly_amount": "6o0"}, "monthly_amount", "请输入数字金额"),
        ({"monthly_amount": Decimal("600.555")}, "monthly_amount", "最多两位小数"),
        ({"covered_member_ids": [999999]}, "covered_member_ids", "须为本家庭成员"),
    ],
)
def test_a_bad_change_is_refused_at_its_field_and_nothing_is_written(demo, kwargs, field, message):
    recipient = registered(demo)
    args = {
        "recipient": recipient,
        "actor": demo.user("clerk"),
        "effective_month": MAY,
        "reason": "调整",
        "kind": ChangeKind.AMOUNT,
        "source_label": "测试",
        "monthly_amount": Decimal("600.00"),
    } | kwargs
    with pytest.raises(ValidationError) as info:
        recipient_change(**args)
    assert message in " ".join(info.value.message_dict[field])
    assert recipient.changes.count() == 1


def test_a_village_assistant_cannot_change_and_another_township_gets_404(demo):
    recipient = registered(demo)
    args = {
        "recipient": recipient,
        "effective_month": MAY,
        "reason": "调整",
        "kind": ChangeKind.AMOUNT,
        "source_label": "测试",
        "monthly_amount": Decimal("600.00"),
    }
    with pytest.raises(PermissionDenied):
        recipient_change(actor=demo.user("assistant"), **args)
    with pytest.raises(Http404):
        recipient_change(actor=demo.user("clerk_huangchi"), **args)
    assert recipient.changes.count() == 1


# --- bank accounts ---------------------------------------------------------------------

UNIONPAY = luhn_complete("621700123456789")  # 16 digits, valid Luhn


def _account(demo, recipient, **kwargs):
    args = {
        "household": recipient.household,
        "actor": demo.user("clerk"),
        "holder_name": recipient.head_name,
        "holder_member": recipient.case.applicant,
        "bank": Bank.ABC,
        "account_number": UNIONPAY,
    } | kwargs
    return bank_account_set(**args)


def test_an_account_is_stored_as_digits_and_shown_masked(demo):
    recipient = registered(demo)
    spaced = " ".join(UNIONPAY[i : i + 4] for i in range(0, 16, 4))
    account = _account(demo, recipient, account_number=spaced)
    assert account.account_number == UNIONPAY
    assert account.masked() == f"6217 **** **** {UNIONPAY[-4:]}"
    recipient.refresh_from_db()
    assert recipient.bank_account == account
    change = recipient.changes.latest("pk")
    assert change.kind == ChangeKind.ACCOUNT
    assert account.masked() in change.reason and UNIONPAY not in change.reason


def test_a_new_account_keeps_the_old_one_inactive(demo):
    recipient = registered(demo)
    old = _account(demo, recipient)
    new = _account(demo, recipient, account_number=luhn_complete("622848001234567890"))
    old.refresh_from_db()
    assert (old.is_active, new.is_active) == (False, True)


@pytest.mark.parametrize(
    ("number", "kind", "message"),
    [
        ("6217 0012 3456 789X", AccountKind.CARD, "账号只能包含数字"),
        ("621700123456", AccountKind.CARD, "账号应为16–19位数字，当前为12位"),
        ("62170012345678901234", AccountKind.CARD, "当前为20位"),
        (UNIONPAY[:-1] + str((int(UNIONPAY[-1]) + 1) % 10), AccountKind.CARD, "卡号校验位不正确"),
        ("", AccountKind.CARD, "请填写账号"),
        ("３４０５２１００１２３４５６７８", AccountKind.PASSBOOK, "账号只能包含数字"),
    ],
)
def test_account_numbers_are_checked_with_readable_messages(demo, number, kind, message):
    recipient = registered(demo)
    with pytest.raises(ValidationError) as info:
        _account(demo, recipient, account_number=number, kind=kind)
    assert message in info.value.message_dict["account_number"][0]
    assert not recipient.household.bank_accounts.exists()


def test_a_passbook_number_has_no_luhn_check(demo):
    recipient = registered(demo)
    number = "3405210012345678"  # fails Luhn, a valid 农村信用社 passbook number
    account = _account(
        demo, recipient, account_number=number, kind=AccountKind.PASSBOOK, bank=Bank.RCC
    )
    assert account.account_number == number


def test_an_agent_needs_a_reason_and_a_member_name_must_match(demo):
    recipient = registered(demo)
    with pytest.raises(ValidationError) as info:
        _account(demo, recipient, holder_member=None, holder_name="李代领")
    assert info.value.message_dict["agent_reason"] == ["账户户名不是家庭成员时，请填写代领原因"]
    with pytest.raises(ValidationError) as info:
        _account(demo, recipient, holder_name="别人")
    assert "不一致" in info.value.message_dict["holder_name"][0]
    agent = _account(
        demo,
        recipient,
        holder_member=None,
        holder_name="李代领",
        agent_reason="本人卧床，由村委会代领",
    )
    assert agent.agent_reason == "本人卧床，由村委会代领"


def test_reveal_is_logged_for_the_roles_that_export_rosters(demo):
    recipient = registered(demo)
    account = _account(demo, recipient)
    for username in ("clerk", "approver", "supervisor"):
        number = bank_account_reveal(
            account=account,
            actor=demo.user(username),
            client_address="10.0.0.8",
            purpose="核对花名册",
        )
        assert number == UNIONPAY
    reveals = DataReveal.objects.order_by("pk")
    assert [r.user.username for r in reveals] == ["clerk", "approver", "supervisor"]
    assert {(r.client_address, r.purpose) for r in reveals} == {("10.0.0.8", "核对花名册")}


def test_reveal_is_refused_to_others_and_needs_a_purpose(demo):
    recipient = registered(demo)
    account = _account(demo, recipient)
    with pytest.raises(PermissionDenied):
        bank_account_reveal(
            account=account, actor=demo.user("assistant"), client_address=None, purpose="看看"
        )
    with pytest.raises(Http404):
        bank_account_reveal(
            account=account, actor=demo.user("clerk_huangchi"), client_address=None, purpose="看看"
        )
    with pytest.raises(ValidationError):
        bank_account_reveal(
            account=account, actor=demo.user("clerk"), client_address=None, purpose=" "
        )
    assert not DataReveal.objects.exists()


def test_a_case_entering_payment_through_the_workflow_registers_its_household(demo):
    case, _ = paying_case(demo)
    type(case).objects.filter(pk=case.pk).update(state="confirmed")
    case.refresh_from_db()
    event = case_transition(case=case, name="start_payment", actor=demo.user("clerk"))
    recipient = Recipient.objects.get(case=case)
    assert recipient.first_month == APRIL
    assert recipient.changes.get().actor == event.actor


def test_no_amount_refuses_the_transition_and_nothing_is_half_saved(demo):
    case, _ = paying_case(demo, amount=None)
    type(case).objects.filter(pk=case.pk).update(state="confirmed")
    case.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        case_transition(case=case, name="start_payment", actor=demo.user("clerk"))
    assert "尚未核定月救助金额" in str(info.value)
    case.refresh_from_db()
    assert case.state == "confirmed"
    assert not Recipient.objects.exists()


def test_a_county_revocation_stops_the_recipient_from_the_next_month(demo):
    recipient = registered(demo)
    case_transition(
        case=recipient.case,
        name="county_revoke",
        actor=demo.user("supervisor"),
        opinion="隐瞒收入，依法纠正",
        on=datetime.date(2026, 5, 12),
    )
    stop = recipient.changes.latest("pk")
    assert (stop.status, stop.effective_month, stop.monthly_amount) == (
        RecipientStatus.STOPPED,
        JUNE,
        Decimal("0.00"),
    )
    assert "隐瞒收入" in stop.reason and stop.actor_role == "county_supervisor"
