"""Demo roster: a month's regular roster of 姑孰镇 (this month unless told) for the assistance
type with the most recipients there, run, checked and locked through the services (制表 / 复核
by the clerk, 审核 by the approver: two-person rule). Idempotent: a month already run is left as
it is."""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.utils import timezone

from funds.recipients.models import Recipient
from funds.rosters import services
from funds.rosters.models import RosterRun, RunKind, RunState
from relief.models import AssistanceType, Region, User

DEMO_TOWNSHIP = "340521100000"


def seed_rosters(*, month: datetime.date | None = None, stdout=None) -> RosterRun | None:
    township = Region.objects.filter(code=DEMO_TOWNSHIP).first()
    clerk = User.objects.filter(username="clerk").first()
    approver = User.objects.filter(username="approver").first()
    if township is None or clerk is None or approver is None:
        return None
    month = (month or timezone.localdate()).replace(day=1)
    top = (
        Recipient.objects.filter(township=township, first_month__lte=month)
        .values("assistance_type")
        .annotate(n=Count("id"))
        .order_by("-n", "assistance_type")
        .first()
    )
    if top is None:
        return None
    atype = AssistanceType.objects.get(pk=top["assistance_type"])
    existing = (
        RosterRun.objects.filter(
            township=township, month=month, assistance_type=atype, kind=RunKind.REGULAR
        )
        .exclude(state=RunState.DISCARDED)
        .first()
    )
    if existing is not None:
        return existing
    run = services.roster_run_start(
        township=township, month=month, assistance_type=atype, actor=clerk
    )
    # Computed here rather than by the queued task, so that the demo can lock it at once;
    # the task, when it runs, finds the work done.
    run = services.roster_compute(run_id=run.pk)
    services.roster_check(run=run, actor=clerk)
    run = services.roster_lock(run=run, actor=approver)
    if stdout is not None:
        stdout.write(
            f"发放花名册：{township.name}{month:%Y年%m月}{atype.name}已锁定，"
            f"{run.bank_line_count}笔 {run.bank_amount}元，待补账户{run.missing_account_count}户"
        )
    return run
