"""Fixtures of the roster tests: the demo county, recipients with a change history, and
runs taken through compute / check / lock with the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import CaseState
from funds.recipients.models import (
    Bank,
    BankAccount,
    ChangeKind,
    Recipient,
    RecipientChange,
    RecipientStatus,
)
from funds.recipients.services import next_month, recipient_change
from funds.rosters import services
from funds.rosters.models import RosterRun
from relief.models import AssistanceType
from tests.factories import CaseFactory, HouseholdFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def luhn_account(seed: int) -> str:
    """A 19-digit UnionPay card number (62…) with a valid Luhn check digit."""
    body = f"621700{seed:012d}"
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


class World:
    """Recipients and runs of one township (姑孰镇 unless given), 农村低保."""

    def __init__(self, demo):
        self.demo = demo
        self.clerk = demo.user("clerk")
        self.approver = demo.user("approver")
        self.type = AssistanceType.objects.get(code="dibao_rural")
        self._seq = 0

    def recipient(
        self,
        *,
        confirmed_on: datetime.date,
        amount: str,
        account: bool = True,
        village=None,
        name: str | None = None,
    ) -> Recipient:
        """A household confirmed on ``confirmed_on``: paid from the month after (A Art.21)."""
        self._seq += 1
        village = village or self.demo.village
        household = HouseholdFactory(village=village, township=village.parent)
        case = CaseFactory(household=household, force_state=CaseState.PAYING)
        head = case.applicant
        if name:
            head.name = name
            head.save(update_fields=["name"])
        first = next_month(confirmed_on)
        bank_account = None
        if account:
            bank_account = BankAccount.objects.create(
                household=household,
                holder_name=head.name,
                holder_member=head,
                bank=Bank.RCC,
                account_number=luhn_account(self._seq),
            )
        recipient = Recipient.objects.create(
            case=case,
            household=household,
            assistance_type=self.type,
            township=village.parent,
            village=village,
            area="rural",
            status=RecipientStatus.ACTIVE,
            monthly_amount=Decimal(amount),
            covered_count=1,
            first_month=first,
            head_name=head.name,
            head_id_number=head.id_number,
            bank_account=bank_account,
        )
        RecipientChange.objects.create(
            recipient=recipient,
            kind=ChangeKind.REGISTERED,
            effective_month=first,
            status=RecipientStatus.ACTIVE,
            monthly_amount=Decimal(amount),
            covered_member_ids=[head.pk],
            reason=f"{confirmed_on:%Y年%m月%d日}审核确认",
            source_label=f"案件 {case.number} 审核确认",
        )
        return recipient

    def change(self, recipient, *, month: datetime.date, reason="调整", **fields):
        """A change as of ``month`` even when its roster is locked (as a 追缴 decision or a
        correction reaching back would be): what the roster computes from backdated changes
        is what these tests are about. ``move_out_of_locked=True`` moves it like a review."""
        fields.setdefault("move_out_of_locked", False)
        kind = ChangeKind.STATUS if "status" in fields else ChangeKind.AMOUNT
        if "monthly_amount" in fields:
            fields["monthly_amount"] = Decimal(fields["monthly_amount"])
        return recipient_change(
            recipient=recipient,
            actor=self.clerk,
            effective_month=month,
            reason=reason,
            kind=kind,
            source_label="测试",
            **fields,
        )

    def start(self, month: datetime.date, *, kind="regular", township=None, actor=None):
        return services.roster_run_start(
            township=township or self.demo.gushu,
            month=month,
            assistance_type=self.type,
            kind=kind,
            actor=actor or self.clerk,
        )

    def run(self, month: datetime.date, **kwargs) -> RosterRun:
        """Start and compute (the task's work, called directly)."""
        run = self.start(month, **kwargs)
        return services.roster_compute(run_id=run.pk)

    def lock(self, run: RosterRun) -> RosterRun:
        services.roster_check(run=run, actor=self.clerk)
        return services.roster_lock(run=run, actor=self.approver)

    def run_and_lock(self, month: datetime.date, **kwargs) -> RosterRun:
        return self.lock(self.run(month, **kwargs))


@pytest.fixture
def world(demo):
    return World(demo)


def lines_of(run, recipient=None):
    """(kind, 'YYYY-MM', amount) of a run's lines, in line order."""
    qs = run.lines.order_by("line_no")
    if recipient is not None:
        qs = qs.filter(recipient=recipient)
    return [(line.kind, f"{line.month:%Y-%m}", line.amount) for line in qs]


def d(year, month, day=1):
    return datetime.date(year, month, day)


def now():
    return timezone.now()
