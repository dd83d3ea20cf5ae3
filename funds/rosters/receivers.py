"""Receiver of ``cases.temporary.hooks.emergency_grant_recorded`` (connected in
``FundsConfig.ready()``): a 先行救助 cash grant of the township or the county becomes a one-off
payment line for the township's next roster. Village-fund and in-kind grants are recorded in
cases only (``to_bank`` false): they count toward the caps and never reach the bank. Runs inside
the grant's transaction, so a refused line rolls the grant back."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from funds.recipients.models import Bank
from funds.rosters.models import OneOffPayment
from funds.rosters.services import one_off_payment_create


def grant_reason(grant: Any) -> str:
    """The line's 事由, naming the grant (so a second delivery finds the line it made)."""
    return f"急难型临时救助先行救助（{grant.cause}）第{grant.pk}号"


def on_emergency_grant(sender: object, *, grant: Any, **kwargs: Any) -> OneOffPayment | None:
    if not grant.to_bank:
        return None
    case = grant.case
    reason = grant_reason(grant)
    existing = OneOffPayment.objects.filter(case=case, reason=reason).first()
    if existing is not None:
        return existing
    household = case.household
    bank = household.bank_name if household.bank_name in Bank.values else ""
    account = household.bank_account if bank and household.bank_account.isdigit() else ""
    return one_off_payment_create(
        household=household,
        assistance_type=case.assistance_type,
        amount=grant.amount,
        granted_on=timezone.localdate(grant.granted_at),
        reason=reason,
        payee_name=case.emergency.person_name,
        payee_id_number=grant.id_number,
        payee_bank=bank,
        payee_account=account,
        paid_by_village_fund=False,
        case=case,
        actor=grant.granted_by,
    )
