"""Figures for the role home pages."""

from __future__ import annotations

from cases.clocks.selectors import clock_alerts_for_user
from cases.stats.selectors import cases_by_state
from relief.models import User


def home_context_for_user(*, user: User) -> dict:
    """Case figures for the role's home page: open cases in the user's region by state,
    then the user's overdue and due-soon cases."""
    by_state = cases_by_state(user=user)  # the state summary (cases/stats), not a GROUP BY
    return {
        "cases_by_state": by_state,
        "cases_total": sum(by_state.values()),
        **clock_alerts_for_user(user=user),
    }
