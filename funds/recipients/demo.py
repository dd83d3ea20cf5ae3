"""Demo data of the register: the demo's cases in 发放中 become recipients through the
registration service, and each gets the account its household stated at intake (the demo's
random numbers get a correct check digit), entered by the township's clerk."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cases.models import Case, CaseState, Member
from funds.recipients.accounts import bank_from_name, luhn_check_digit, normalize_account_number
from funds.recipients.models import AccountKind, Recipient
from funds.recipients.services import bank_account_set, recipient_register_from_case
from relief.models import Role, User


def seed_recipients(*, stdout=None) -> int:
    """Register every 发放中 case that is not yet a recipient; returns how many were
    registered. Cases the service refuses (no amount) are counted and reported."""
    clerks = {
        u.region_id: u
        for u in User.objects.filter(role=Role.TOWNSHIP_CLERK, is_active=True).order_by("pk")
    }
    pending = (
        Case.objects.filter(state=CaseState.PAYING, recipient__isnull=True)
        .select_related("assistance_type", "household", "applicant")
        .order_by("pk")
    )
    registered = refused = 0
    for case in pending.iterator(chunk_size=500):
        try:
            recipient = recipient_register_from_case(case=case)
        except ValidationError:
            refused += 1
            continue
        if recipient is None:
            continue
        registered += 1
        clerk = clerks.get(case.township_id)
        if clerk is not None and recipient.bank_account_id is None:
            _demo_account(recipient, case, clerk)
    if stdout is not None:
        stdout.write(
            f"在册对象：新纳入 {registered} 户" + (f"，{refused} 件未核定金额" if refused else "")
        )
    return registered


def _demo_account(recipient: Recipient, case: Case, clerk: User) -> None:
    digits = normalize_account_number(case.household.bank_account)
    bank = bank_from_name(case.household.bank_name)
    if bank is None or not digits.isdigit() or not 16 <= len(digits) <= 19:
        return
    holder: Member | None = case.applicant
    try:
        bank_account_set(
            household=case.household,
            actor=clerk,
            holder_name=holder.name if holder else recipient.head_name,
            holder_member=holder,
            agent_reason="" if holder else "演示数据",
            bank=bank,
            kind=AccountKind.CARD,
            account_number=digits[:-1] + luhn_check_digit(digits[:-1]),
        )
    except ValidationError:
        return
