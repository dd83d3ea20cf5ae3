"""Reads for the deadline dashboards and the statistics export (DOMAIN §6 "statistics per
township: on-time rate, processing days"). Everything is read from stored clocks: the
working days a decided case took were computed once, when its clock stopped."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.models import CaseClock, CaseState
from cases.states import OPEN_STATES
from cases.stats.selectors import (
    decision_histogram,
    median_of,
    open_by_state_and_start,
    percentile_of,
    running_clock_counts,
    throughput_by_month,
)
from relief.models import Region, Role, User
from relief.scoping import scope_by_region, townships_for_user

#: Open states that show on the dashboard, in workflow order (drafts have no clock yet).
STAGES = [
    s
    for s in OPEN_STATES
    if s not in (CaseState.DRAFT, CaseState.RETURNED_TO_VILLAGE, CaseState.AWAITING_DOCUMENTS)
]
#: Age buckets of open cases in calendar days since 受理: (label, min days, max days or None).
AGE_BUCKETS = [("10天内", 0, 10), ("11–30天", 11, 30), ("31–60天", 31, 60), ("60天以上", 61, None)]


def clocks_for_user(*, user: User) -> QuerySet[CaseClock]:
    return scope_by_region(
        CaseClock.objects.all(),
        user,
        township_field="case__township",
        village_field="case__village",
    )


def percentile(values: list[int], p: float) -> int | None:
    """Nearest-rank percentile (p in 0–100) of whole working days; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def decided_clocks(
    *,
    townships: Iterable[Region] | QuerySet[Region],
    date_from: datetime.date,
    date_to: datetime.date,
) -> QuerySet[CaseClock]:
    """The clocks of the cases in ``townships`` decided from ``date_from`` to ``date_to``
    (the decision date, as on the 备案 filing) that carry a verdict, on time or late: the
    one population every on-time rate is computed over (dashboard, supervision statistics
    and their exports)."""
    return CaseClock.objects.filter(
        case__township__in=townships,
        case__decided_on__range=(date_from, date_to),
        on_time__isnull=False,
    )


def on_time_counts(
    *,
    townships: Iterable[Region] | QuerySet[Region],
    date_from: datetime.date,
    date_to: datetime.date,
) -> dict[int, tuple[int, int]]:
    """Per township id: (decided on time, decided) over ``decided_clocks``, read from the
    decision summary (cases/stats), which a full recount proves equal (check_summaries)."""
    histogram = decision_histogram(townships=townships, date_from=date_from, date_to=date_to)
    return {
        township_id: (sum(n for (_, ok), n in bins.items() if ok), sum(bins.values()))
        for township_id, bins in histogram.items()
    }


def township_statistics(*, user: User, year: int, today: datetime.date | None = None) -> list[dict]:
    """One row per township the user may see: decisions in ``year``, on-time rate, median
    and 90th percentile working days from 受理 to decision, open / overdue / due-soon now."""
    today = today or timezone.localdate()
    townships = list(townships_for_user(user).order_by("code"))
    # Decisions of the year from the decision summary: the working-days histogram gives
    # the median and the 90th percentile without reading one clock.
    histogram = decision_histogram(
        townships=townships,
        date_from=datetime.date(year, 1, 1),
        date_to=datetime.date(year, 12, 31),
    )
    # Running clocks and their flags from the open-clock summary (the daily scan refreshes
    # the flags it moves).
    now = running_clock_counts(user=user)
    rows = []
    for township in townships:
        days: dict[int, int] = defaultdict(int)
        on_time = 0
        for (elapsed_wd, ok), n in histogram.get(township.pk, {}).items():
            days[elapsed_wd] += n
            on_time += n if ok else 0
        decided = sum(days.values())
        current = now.get(township.pk, {})
        rows.append(
            {
                "township": township,
                "decided": decided,
                "on_time": on_time,
                "on_time_rate": (on_time / decided) if decided else None,
                "median_wd": median_of(days),
                "p90_wd": percentile_of(days, 90),
                "open": current.get("n_open", 0),
                "overdue": current.get("n_overdue", 0),
                "due_soon": current.get("n_due_soon", 0),
                "paused": current.get("n_paused", 0),
            }
        )
    return rows


def open_cases_by_stage(*, user: User, today: datetime.date | None = None) -> dict:
    """Open (accepted, undecided) cases per township × stage, and per township × age bucket."""
    today = today or timezone.localdate()
    townships = list(townships_for_user(user).order_by("code"))
    # From the open-clock summary: per (state, day of 受理); the age buckets are sums over
    # day ranges, so they move with today's date without a nightly rewrite.
    tallies = open_by_state_and_start(user=user, states=STAGES)
    by_stage: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_age: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for township_id, tally in tallies.items():
        for (state, started_on), n in tally.items():
            by_stage[township_id][state] += n
            for i, (_label, low, high) in enumerate(AGE_BUCKETS):
                if started_on <= today - datetime.timedelta(days=low) and (
                    high is None or started_on >= today - datetime.timedelta(days=high)
                ):
                    by_age[township_id][f"age{i}"] += n
    stages = [(s.value, s.label) for s in STAGES]
    rows = []
    for township in townships:
        counts = by_stage.get(township.pk, {})
        ages = by_age.get(township.pk, {})
        rows.append(
            {
                "township": township,
                "stages": [counts.get(s, 0) for s, _ in stages],
                "ages": [ages.get(f"age{i}", 0) for i in range(len(AGE_BUCKETS))],
                "total": sum(counts.values()),
            }
        )
    return {"stages": stages, "ages": [b[0] for b in AGE_BUCKETS], "rows": rows}


def monthly_throughput(*, user: User, months: int = 12, today: datetime.date | None = None) -> dict:
    """Cases accepted and decided per month over the last ``months`` months (for the chart)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    for _ in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    labels, firsts, cursor = [], [], first
    while cursor <= today:
        labels.append(cursor.strftime("%Y-%m"))
        firsts.append(cursor)
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    # From the monthly summary (cases/stats): a few rows per township and month.
    counts = throughput_by_month(user=user, since=first)
    return {
        "months": labels,
        **{
            kind: [counts.get(kind, {}).get(m, 0) for m in firsts]
            for kind in ("accepted", "decided", "late")
        },
    }


#: The alert badges count up to this and show "99+" beyond (as the unread badge).
ALERT_COUNT_CAP = 99


def _alert_label(n: int) -> int | str:
    return f"{ALERT_COUNT_CAP}+" if n > ALERT_COUNT_CAP else n


def _urgent_first(clocks: QuerySet[CaseClock], condition: Q) -> list[tuple]:
    """(overall_due, pk) of the first ``ALERT_COUNT_CAP + 1`` clocks meeting ``condition``,
    most urgent first: a walk of that condition's partial index (clock_alert_*)."""
    return list(
        clocks.filter(condition)
        .order_by("overall_due", "pk")
        .values_list("overall_due", "pk")[: ALERT_COUNT_CAP + 1]
    )


def clock_alerts_for_user(*, user: User, limit: int = 20) -> dict:
    """ "My" overdue and due-soon cases for the home page, most urgent first: the running
    clocks of the user's region whose stored flags are up, and late refusal notices.

    Overdue is "overall limit passed while running" or "step limit passed"; each is read
    on its own partial index (one OR over both could use neither), the two merged in
    Python. The counts are exact up to ``ALERT_COUNT_CAP`` and "99+" above: every query
    stops after 100 index entries, whatever the number of clocks."""
    if (
        not user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
        and not user.is_superuser
    ):
        return {}
    clocks = clocks_for_user(user=user)
    late = _urgent_first(clocks, Q(stopped_on__isnull=True, overdue=True))
    step_late = _urgent_first(clocks, Q(step_overdue=True))
    soon = _urgent_first(
        clocks, Q(stopped_on__isnull=True, due_soon=True, overdue=False, step_overdue=False)
    )
    # Both overdue lists complete (≤ cap each) give the exact union; a list cut at the cap
    # puts the union above it as well.
    overdue_keys = sorted(set(late) | set(step_late))
    overdue_ids = [pk for _due, pk in overdue_keys[:limit]]
    due_soon_ids = [pk for _due, pk in soon[:limit]]
    rows = (
        {
            c.pk: c
            for c in CaseClock.objects.filter(pk__in=overdue_ids + due_soon_ids).select_related(
                "case", "case__township", "case__assistance_type", "case__applicant"
            )
        }
        if overdue_ids or due_soon_ids
        else {}
    )
    overdue = [rows[pk] for pk in overdue_ids if pk in rows]
    due_soon = [rows[pk] for pk in due_soon_ids if pk in rows]
    return {
        "clock_overdue": overdue,
        "clock_due_soon": due_soon,
        "clock_overdue_count": _alert_label(len(overdue_keys)),
        "clock_due_soon_count": _alert_label(len(soon)),
        "clock_alerts": bool(overdue or due_soon),
    }
