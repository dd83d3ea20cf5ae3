"""``manage.py seed_demo`` step of funds: the demo county's standards (funds/standards/demo.py,
seeded by the living demo county first), then, for the living demo, the register of the demo's
cases in 发放中, a locked roster of 姑孰镇 for last month and for this month, and the 动态管理
review schedules with a few open reviews — each through its services."""

from __future__ import annotations

import datetime

from django.utils import timezone

from funds.dynamic.demo import seed_dynamic
from funds.recipients.demo import _demo_account, seed_recipients
from funds.recipients.models import Recipient
from funds.rosters.demo import seed_rosters
from funds.rosters.models import RosterRun
from funds.standards.demo import seed_standards
from relief.demo import COUNTY
from relief.models import Region, Role, User


def seed_accounts() -> int:
    """The account each demo recipient's household stated at intake, entered by its
    township's clerk (recipients registered by the 纳入发放 transition itself have none yet)."""
    clerks = {
        u.region_id: u
        for u in User.objects.filter(role=Role.TOWNSHIP_CLERK, is_active=True).order_by("pk")
    }
    entered = 0
    pending = Recipient.objects.filter(bank_account__isnull=True, case__isnull=False)
    for recipient in pending.select_related("case__household", "case__applicant").order_by("pk"):
        clerk = clerks.get(recipient.township_id)
        if clerk is None or not recipient.case.household.bank_account:
            continue
        _demo_account(recipient, recipient.case, clerk)
        entered += 1
    return entered


def seed_last_month_roster(*, stdout=None) -> RosterRun | None:
    """Last month's regular roster of 姑孰镇, run, checked and locked like this month's."""
    last_month = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return seed_rosters(month=last_month, stdout=stdout)


def seed_demo(*, households: int = 0, stdout=None) -> None:
    """Not for the bulk benchmark rows (no signed log): only the standards then."""
    seed_standards(Region.objects.get(code=COUNTY[0]))
    if households:
        return
    seed_recipients(stdout=stdout)
    entered = seed_accounts()
    if stdout is not None:
        stdout.write(
            f"在册对象：共 {Recipient.objects.count()} 户（纳入发放时登记），"
            f"本次录入发放账户 {entered} 户"
        )
    seed_last_month_roster(stdout=stdout)
    seed_rosters(stdout=stdout)
    clerk = User.objects.filter(username="clerk").first()
    if clerk is not None:
        seed_dynamic(actor=clerk)
