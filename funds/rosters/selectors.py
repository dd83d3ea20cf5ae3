"""Reads of the rosters. Every query starts from ``relief.scoping``: a township sees its own
rosters, the county all of its townships'; another township's roster is a 404."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from funds.recipients.models import RecipientStatus
from funds.rosters.models import (
    Channel,
    LineKind,
    LineResult,
    LineSource,
    RosterLine,
    RosterRun,
    RunState,
)
from relief.models import Role, User
from relief.scoping import scope_by_region

ROSTER_ROLES = (
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
    Role.ADMINISTRATOR,
)
CENT = Decimal("0.01")


def may_view_rosters(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.has_role(*ROSTER_ROLES))


def roster_runs_for_user(user: User) -> QuerySet[RosterRun]:
    qs = RosterRun.objects.select_related(
        "township", "assistance_type", "prepared_by", "checked_by", "locked_by"
    )
    if not may_view_rosters(user):
        return qs.none()
    return scope_by_region(qs, user, township_field="township", village_field=None)


def roster_runs_listed(user: User, *, state: str = "") -> QuerySet[RosterRun]:
    """The runs a list shows (pages, API, the county's overview and its export): discarded
    runs (已作废) are left out unless ``state`` asks for them; their page stays reachable."""
    qs = roster_runs_for_user(user)
    if state == RunState.DISCARDED:
        return qs.filter(state=RunState.DISCARDED)
    qs = qs.exclude(state=RunState.DISCARDED)
    return qs.filter(state=state) if state else qs


def roster_run_get_for_user(*, user: User, pk: int) -> RosterRun:
    return get_object_or_404(roster_runs_for_user(user), pk=pk)


def roster_lines(
    run: RosterRun, *, kind: str = "", channel: str = "", result: str = ""
) -> QuerySet[RosterLine]:
    qs = run.lines.select_related("village", "change").order_by("line_no")
    if kind:
        qs = qs.filter(kind=kind)
    if channel:
        qs = qs.filter(channel=channel)
    if result:
        qs = qs.filter(result=result)
    return qs


def _cents(value: Decimal | int | None) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def reconciliation(run: RosterRun) -> dict:
    """Due (the bank file's total) = paid + failed + pending, recounted from the lines; plus
    what is outside the bank file (held for want of an account, recovered separately)."""
    lines = RosterLine.objects.filter(run=run)
    agg = lines.aggregate(
        due=Sum("amount", filter=Q(channel=Channel.BANK)),
        due_n=Count("id", filter=Q(channel=Channel.BANK)),
        paid=Sum("amount", filter=Q(channel=Channel.BANK, result=LineResult.PAID)),
        paid_n=Count("id", filter=Q(channel=Channel.BANK, result=LineResult.PAID)),
        failed=Sum("amount", filter=Q(channel=Channel.BANK, result=LineResult.FAILED)),
        failed_n=Count("id", filter=Q(channel=Channel.BANK, result=LineResult.FAILED)),
        pending=Sum("amount", filter=Q(channel=Channel.BANK, result=LineResult.PENDING)),
        pending_n=Count("id", filter=Q(channel=Channel.BANK, result=LineResult.PENDING)),
        held=Sum("amount", filter=Q(channel=Channel.HELD)),
        held_n=Count("id", filter=Q(channel=Channel.HELD)),
        separate=Sum("amount", filter=Q(channel=Channel.SEPARATE)),
    )
    out: dict[str, Decimal | int | bool] = {
        key: _cents(agg[key]) for key in ("due", "paid", "failed", "pending", "held", "separate")
    }
    out.update({key: agg[key] for key in ("due_n", "paid_n", "failed_n", "pending_n", "held_n")})
    out["missing_accounts"] = run.missing_account_count
    out["balanced"] = out["due"] == out["paid"] + out["failed"] + out["pending"]
    return out


def county_overview(*, user: User, year: int) -> list[dict]:
    """Every visible township's rosters of ``year``: month, type, kind, state and totals."""
    runs = (
        roster_runs_listed(user)
        .filter(month__year=year)
        .order_by("township__code", "month", "assistance_type__sort_order", "pk")
    )
    return [
        {
            "run": run,
            "township": run.township,
            "month": run.month,
            "type": run.assistance_type,
            "state": run.get_state_display(),
            "locked": run.state == RunState.LOCKED,
        }
        for run in runs
    ]


def paid_by_township(
    *, user: User, date_from: datetime.date, date_to: datetime.date
) -> dict[int, Decimal]:
    """发放金额: what the bank reported paid, per township, for the locked rosters of the
    months in the period (DOMAIN §6 statistics)."""
    rows = (
        roster_runs_for_user(user)
        .filter(state=RunState.LOCKED, month__gte=date_from.replace(day=1), month__lte=date_to)
        .values("township_id")
        .annotate(total=Sum("paid_amount"))
    )
    return {row["township_id"]: _cents(row["total"]) for row in rows}


STATUS_LABELS = dict(RecipientStatus.choices)
KIND_WHY: dict[str, str] = {
    LineKind.REGULAR: "当月应发",
    LineKind.BACK_PAY: "补发",
    LineKind.RECOVERY: "追缴",
}


def line_why(line: RosterLine) -> str:
    """The line's explanation in Chinese, from its why (``RosterLine.why_detail``)."""
    d = line.why_detail
    month = d.get("month", "")
    if line.source == LineSource.CHANGES:
        change = d.get("change") or {}
        status = STATUS_LABELS.get(d.get("status") or "", "未在册")
        basis = (
            f"依据{change.get('effective_month', '')}起生效的“{change.get('source', '')}”"
            f"（{change.get('reason', '')}）"
            if change
            else "该月无在册记录"
        )
        return (
            f"{month}：状态{status}，应发{d.get('in_force')}元，{basis}；"
            f"已锁定花名册已发{d.get('already')}元；"
            f"本次{KIND_WHY.get(line.kind, '')}{d.get('amount')}元"
        )
    if line.source == LineSource.CARRY:
        return (
            f"{month}：原花名册明细{d.get('from_line')}未发放成功（{d.get('reason')}），"
            f"本次补付{d.get('amount')}元"
        )
    if line.source == LineSource.ORDER:
        return (
            f"追缴决定（{d.get('decided_on')}，{d.get('decided_by')}）：{d.get('reason')}；"
            f"所涉月份{d.get('months') or '—'}；本次追缴{d.get('amount')}元"
        )
    case = f"案件{d['case']}，" if d.get("case") else ""
    return (
        f"一次性救助（{case}{d.get('granted_on')}批准）：{d.get('reason')}；发放{d.get('amount')}元"
    )
