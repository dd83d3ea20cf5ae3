"""临时救助 statistics per township (the page, the API and the XLSX export read this one
selector): the number and amount of aid by tier, cause and month, and the median hours
from an emergency's registration to its first grant (先行救助).

What counts as one piece of aid: each 先行救助 grant of a 急难型 case (its tier is the body
that granted it, its cause the emergency's, its month the grant's), and each decided
支出型 case (its amount the case's, its tier the body whose cap covers it by the case's
policy (cases/temporary/rules.py ``tier_for``), its cause "支出型", its month the decision's)."""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cases.models import Case, CaseState, Emergency, EmergencyGrant
from cases.states import WorkflowKind
from cases.temporary.rules import EXPENDITURE_CAUSE, TIER_LABELS, TIER_ORDER, tier_for
from relief.models import Region
from relief.policy import Policy


def _bucket() -> dict[str, Any]:
    return {"count": 0, "amount": Decimal("0")}


def _add(bucket: dict[str, Any], amount: Decimal) -> None:
    bucket["count"] += 1
    bucket["amount"] += amount


def temporary_statistics(*, townships: QuerySet[Region], year: int) -> list[dict[str, Any]]:
    """One row per township of ``townships`` (in code order) for calendar ``year``."""
    towns = list(townships.order_by("code"))
    ids = [t.pk for t in towns]
    rows: dict[int, dict[str, Any]] = {
        t.pk: {
            "township": t,
            "total": _bucket(),
            "by_tier": defaultdict(_bucket),
            "by_cause": defaultdict(_bucket),
            "by_month": defaultdict(_bucket),
            "help_hours": [],
        }
        for t in towns
    }

    def record(town_id: int, tier: str, cause: str, month: int, amount: Decimal) -> None:
        row = rows[town_id]
        _add(row["total"], amount)
        _add(row["by_tier"][tier], amount)
        _add(row["by_cause"][cause], amount)
        _add(row["by_month"][month], amount)

    start = datetime.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    end = datetime.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    grants = EmergencyGrant.objects.filter(
        case__township_id__in=ids, granted_at__gte=start, granted_at__lt=end
    ).values_list("case__township_id", "body", "cause", "granted_at", "amount")
    for town_id, body, cause, granted_at, amount in grants:
        record(town_id, body, cause, timezone.localtime(granted_at).month, amount)
    decided = (
        Case.objects.filter(
            township_id__in=ids,
            assistance_type__workflow=WorkflowKind.TEMPORARY,
            emergency__isnull=True,
            decided_on__year=year,
            monthly_amount__isnull=False,
        )
        .exclude(state=CaseState.REFUSED)
        .values_list(
            "township_id", "decided_on", "monthly_amount", "policy_snapshot", "policy_shared__data"
        )
    )
    # The frozen policy as Case.frozen_policy reads it: the case's copy, else the shared one.
    for town_id, decided_on, amount, snapshot, shared in decided:
        policy = Policy.from_snapshot(snapshot or shared or {})
        tier = tier_for(amount=amount, policy=policy).tier
        record(town_id, tier, EXPENDITURE_CAUSE, decided_on.month, amount)
    helped = Emergency.objects.filter(
        case__township_id__in=ids,
        registered_at__gte=start,
        registered_at__lt=end,
        helped_at__isnull=False,
    ).values_list("case__township_id", "registered_at", "helped_at")
    for town_id, registered_at, helped_at in helped:
        hours = max(0.0, (helped_at - registered_at).total_seconds() / 3600)
        rows[town_id]["help_hours"].append(hours)
    result = []
    for t in towns:
        row = rows[t.pk]
        hours = row.pop("help_hours")
        row["helped"] = len(hours)
        row["median_help_hours"] = round(statistics.median(hours), 1) if hours else None
        row["by_tier"] = [
            {"tier": k, "label": TIER_LABELS[k], **row["by_tier"][k]}
            for k in TIER_ORDER
            if k in row["by_tier"]
        ]
        row["by_cause"] = [{"cause": k, **v} for k, v in sorted(row["by_cause"].items())]
        row["by_month"] = [{"month": k, **v} for k, v in sorted(row["by_month"].items())]
        result.append(row)
    return result


def statistics_lines(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """The detail as flat lines (township, dimension, item, count, amount) for the export."""
    lines: list[list[Any]] = []
    for row in rows:
        name = row["township"].name
        for t in row["by_tier"]:
            lines.append([name, "审批层级", t["label"], t["count"], t["amount"]])
        for c in row["by_cause"]:
            lines.append([name, "事由", c["cause"], c["count"], c["amount"]])
        for m in row["by_month"]:
            lines.append([name, "月份", f"{m['month']}月", m["count"], m["amount"]])
    return lines
