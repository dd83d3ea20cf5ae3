"""Reads of the summary tables: the figures every dashboard, statistics page and their
exports show, each from a few summary rows whatever the number of cases."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, Sum

from cases.stats.models import (
    DecidedStateTally,
    DecisionTally,
    OpenTally,
    StateTally,
    ThroughputTally,
)
from relief.models import Region, User
from relief.scoping import scope_by_region


def cases_by_state(*, user: User) -> dict[str, int]:
    """Cases of the user's region per state (the home pages)."""
    rows = (
        scope_by_region(StateTally.objects.all(), user)
        .values("state")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {r["state"]: r["total"] for r in rows if r["total"]}


def _township_ids(townships: Iterable[Region] | Iterable[int]) -> list[int]:
    return [t if isinstance(t, int) else t.pk for t in townships]


def decision_histogram(
    *,
    townships: Iterable[Region] | Iterable[int],
    date_from: datetime.date,
    date_to: datetime.date,
) -> dict[int, dict[tuple[int, bool], int]]:
    """Per township id: (working days taken, on time) → decisions, over the cases decided
    from ``date_from`` to ``date_to`` whose clock carries a verdict (the population of
    ``cases.clocks.selectors.decided_clocks``)."""
    rows = (
        DecisionTally.objects.filter(
            township_id__in=_township_ids(townships),
            decided_on__range=(date_from, date_to),
        )
        .values("township_id", "elapsed_wd", "on_time")
        .annotate(total=Sum("n"))
        .order_by()
    )
    out: dict[int, dict[tuple[int, bool], int]] = defaultdict(dict)
    for r in rows:
        if r["total"]:
            out[r["township_id"]][(r["elapsed_wd"], r["on_time"])] = r["total"]
    return out


def percentile_of(histogram: dict[int, int], p: float) -> int | None:
    """Nearest-rank percentile (p in 0–100) of a histogram value → count."""
    total = sum(histogram.values())
    if not total:
        return None
    return _nth(histogram, max(1, math.ceil(p / 100 * total)))


def _nth(histogram: dict[int, int], n: int) -> int:
    """The n-th smallest value (1-based) of a histogram."""
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= n:
            return value
    raise IndexError(n)


def median_of(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    if total % 2:
        return float(_nth(histogram, total // 2 + 1))
    return (_nth(histogram, total // 2) + _nth(histogram, total // 2 + 1)) / 2


def open_by_state_and_start(
    *, user: User, states: Iterable[str]
) -> dict[int, dict[tuple[str, datetime.date], int]]:
    """Per township id: (state, day of 受理) → cases of the user's region whose clock runs."""
    rows = (
        scope_by_region(OpenTally.objects.all(), user, village_field=None)
        .filter(Q(state__in=list(states)))
        .values("township_id", "state", "started_on")
        .annotate(total=Sum("n"))
        .order_by()
    )
    out: dict[int, dict[tuple[str, datetime.date], int]] = defaultdict(dict)
    for r in rows:
        if r["total"]:
            out[r["township_id"]][(r["state"], r["started_on"])] = r["total"]
    return out


def running_clock_counts(*, user: User) -> dict[int, dict[str, int]]:
    """Per township id of the user's region: running clocks (``n_open``), overdue, due soon
    (and not overdue), paused for a notice, as the daily scan last flagged them."""
    rows = (
        scope_by_region(OpenTally.objects.all(), user, village_field=None)
        .values("township_id")
        .annotate(
            n_open=Sum("n"),
            n_overdue=Sum("n", filter=Q(overdue=True)),
            n_due_soon=Sum("n", filter=Q(due_soon=True, overdue=False)),
            n_paused=Sum("n", filter=Q(paused=True)),
        )
        .order_by()
    )
    return {
        r["township_id"]: {k: r[k] or 0 for k in ("n_open", "n_overdue", "n_due_soon", "n_paused")}
        for r in rows
    }


def throughput_by_month(*, user: User, since: datetime.date) -> dict[str, dict[datetime.date, int]]:
    """Kind (accepted / decided / late) → first day of the month → clocks of the user's
    region, from ``since`` (a first of the month) on."""
    rows = (
        scope_by_region(ThroughputTally.objects.all(), user, village_field=None)
        .filter(month__gte=since)
        .values("kind", "month")
        .annotate(total=Sum("n"))
        .order_by()
    )
    out: dict[str, dict[datetime.date, int]] = defaultdict(dict)
    for r in rows:
        out[r["kind"]][r["month"]] = r["total"] or 0
    return out


def decided_in_states(
    *,
    townships: Iterable[Region] | Iterable[int],
    date_from: datetime.date,
    date_to: datetime.date,
    states: Iterable[str],
) -> dict[int, int]:
    """Per township id: cases decided from ``date_from`` to ``date_to`` that are in one of
    ``states`` now."""
    rows = (
        DecidedStateTally.objects.filter(
            township_id__in=_township_ids(townships),
            decided_on__range=(date_from, date_to),
            state__in=list(states),
        )
        .values("township_id")
        .annotate(total=Sum("n"))
        .order_by()
    )
    return {r["township_id"]: r["total"] for r in rows if r["total"]}
