"""The home page's clock alerts (issue 17): overdue read as two bounded queries, each on its
own partial index, merged in Python; due soon on a third; counts capped at "99+"; the same
alerts as the one OR query gave; a pinned number of queries whatever the number of clocks."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from cases.clocks import selectors
from cases.clocks.selectors import clock_alerts_for_user, clocks_for_user
from cases.models import CaseClock
from cases.workflow.tests.helpers import go, make_case

D = datetime.date


def _clock(demo, *, due: D, township=None, **flags) -> CaseClock:
    township = township or demo.gushu
    case = make_case(township)
    go(case, "accept", "clerk" if township == demo.gushu else "clerk_wuxi", on=D(2026, 3, 2))
    CaseClock.objects.filter(case=case).update(overall_due=due, **flags)
    return CaseClock.objects.get(case=case)


@pytest.fixture
def clocks(demo):
    """Overdue while running, step overdue only, both, step overdue after the stop (still an
    alert, as before), due soon, a quiet one, and another township's overdue one."""
    return {
        "late": _clock(demo, due=D(2026, 4, 3), overdue=True),
        "step": _clock(demo, due=D(2026, 4, 1), step_overdue=True),
        "both": _clock(demo, due=D(2026, 4, 5), overdue=True, step_overdue=True),
        "stopped": _clock(demo, due=D(2026, 4, 2), step_overdue=True, stopped_on=D(2026, 4, 1)),
        "stopped_late": _clock(demo, due=D(2026, 3, 30), overdue=True, stopped_on=D(2026, 4, 1)),
        "soon": _clock(demo, due=D(2026, 4, 20), due_soon=True),
        "soon_but_step": _clock(demo, due=D(2026, 4, 21), due_soon=True, step_overdue=True),
        "quiet": _clock(demo, due=D(2026, 5, 20)),
        "wuxi": _clock(demo, due=D(2026, 4, 1), township=demo.wuxi, overdue=True),
    }


def _before(user, limit=20):
    """The alerts as the one OR query read them (before issue 17)."""
    qs = clocks_for_user(user=user)
    overdue = qs.filter(Q(stopped_on__isnull=True, overdue=True) | Q(step_overdue=True))
    soon = qs.filter(stopped_on__isnull=True, due_soon=True, overdue=False, step_overdue=False)
    return (
        list(overdue.order_by("overall_due", "pk")[:limit]),
        list(soon.order_by("overall_due", "pk")[:limit]),
    )


@pytest.mark.parametrize("username", ["clerk", "approver", "supervisor", "clerk_wuxi"])
@pytest.mark.parametrize("limit", [20, 2])
def test_the_alerts_are_the_ones_the_or_query_gave(demo, clocks, username, limit):
    user = demo.user(username)
    alerts = clock_alerts_for_user(user=user, limit=limit)
    overdue, soon = _before(user, limit)
    assert alerts["clock_overdue"] == overdue
    assert alerts["clock_due_soon"] == soon
    assert alerts["clock_alerts"] == bool(overdue or soon)


def test_the_clerk_sees_overdue_most_urgent_first_with_counts(demo, clocks):
    alerts = clock_alerts_for_user(user=demo.user("clerk"))
    names = {c.pk: n for n, c in clocks.items()}
    assert [names[c.pk] for c in alerts["clock_overdue"]] == [
        "step",
        "stopped",
        "late",
        "both",
        "soon_but_step",
    ]
    assert [names[c.pk] for c in alerts["clock_due_soon"]] == ["soon"]
    assert (alerts["clock_overdue_count"], alerts["clock_due_soon_count"]) == (5, 1)
    # the rows come with what the include shows
    with CaptureQueriesContext(connection) as ctx:
        [
            (c.case.number, c.case.township.name, c.case.assistance_type.name)
            for c in alerts["clock_overdue"]
        ]
    assert ctx.captured_queries == []


def test_the_counts_stop_at_the_cap(demo, clocks, monkeypatch):
    monkeypatch.setattr(selectors, "ALERT_COUNT_CAP", 3)
    alerts = clock_alerts_for_user(user=demo.user("clerk"), limit=2)
    assert alerts["clock_overdue_count"] == "3+"  # 5 overdue, counted no further than 3 + 1
    assert len(alerts["clock_overdue"]) == 2
    assert alerts["clock_due_soon_count"] == 1
    monkeypatch.setattr(selectors, "ALERT_COUNT_CAP", 5)
    assert clock_alerts_for_user(user=demo.user("clerk"))["clock_overdue_count"] == 5


def test_the_alerts_run_a_pinned_number_of_queries(demo, clocks):
    user = demo.user("clerk")
    user.region  # noqa: B018 (the scope's region, read once per request anyway)
    with CaptureQueriesContext(connection) as ctx:
        clock_alerts_for_user(user=user)
    few = len(ctx.captured_queries)
    for i in range(5):
        _clock(demo, due=D(2026, 4, 6 + i), overdue=True)
        _clock(demo, due=D(2026, 4, 22 + i), due_soon=True)
    with CaptureQueriesContext(connection) as ctx:
        clock_alerts_for_user(user=user)
    # overdue while running, step overdue, due soon (each ≤ 100 index entries), the rows
    assert len(ctx.captured_queries) == few == 4
    assert not any(" OR " in q["sql"] for q in ctx.captured_queries[:3])


@pytest.mark.postgres
def test_the_partial_indexes_exist_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'clock_alert_%%'"
        )
        defs = dict(cursor.fetchall())
    assert set(defs) == {"clock_alert_overdue", "clock_alert_step_overdue", "clock_alert_due_soon"}
    assert all("WHERE" in d and "overall_due" in d for d in defs.values())
