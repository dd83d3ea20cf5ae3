"""Set-up shared by the register tests: a case confirmed on a given day and in 发放中."""

from __future__ import annotations

import datetime
from decimal import Decimal

from cases.models import AmountComputation, CaseEvent, CaseState
from funds.recipients.services import recipient_register_from_case
from relief.models import AssistanceType
from tests.factories import CaseFactory, MemberFactory

CONFIRMED_ON = datetime.date(2026, 3, 17)


def paying_case(
    demo,
    *,
    amount: Decimal | None = Decimal("580.00"),
    confirmed_on: datetime.date = CONFIRMED_ON,
    members: int = 2,
    village=None,
    type_code: str = "dibao_rural",
):
    """A 低保 case confirmed by the approver on ``confirmed_on`` (a mid-month day), with a
    stored computation, moved to 发放中; its household has ``members`` covered members."""
    kwargs = {"household__village": village} if village is not None else {}
    case = CaseFactory(
        force_state=CaseState.PAYING,
        assistance_type=AssistanceType.objects.get(code=type_code),
        **kwargs,
    )
    for _ in range(members - 1):
        MemberFactory(household=case.household, relation="spouse")
    approver = demo.user("approver")
    if amount is not None:
        AmountComputation.objects.create(
            case=case,
            eligible=True,
            monthly_amount=amount,
            steps=["采用标准：当涂县农村低保标准"],
            standard_label="当涂县农村低保标准",
        )
    type(case).objects.filter(pk=case.pk).update(monthly_amount=amount, decided_on=confirmed_on)
    case.refresh_from_db()
    CaseEvent.objects.create(
        case=case,
        transition="confirm",
        label="审核确认",
        source_state=CaseState.REVIEW,
        target_state=CaseState.CONFIRMED,
        actor=approver,
        actor_role="township_approver",
        actor_name=str(approver),
        opinion="同意",
        data={"on": confirmed_on.isoformat()},
    )
    event = CaseEvent.objects.create(
        case=case,
        transition="start_payment",
        label="纳入发放",
        source_state=CaseState.CONFIRMED,
        target_state=CaseState.PAYING,
        actor=demo.user("clerk"),
        actor_role="township_clerk",
        actor_name=str(demo.user("clerk")),
        data={"on": confirmed_on.isoformat()},
    )
    return case, event


def registered(demo, **kwargs):
    case, event = paying_case(demo, **kwargs)
    return recipient_register_from_case(case=case, event=event)


def luhn_complete(body: str) -> str:
    """``body`` + its Luhn check digit."""
    for digit in "0123456789":
        candidate = body + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")
