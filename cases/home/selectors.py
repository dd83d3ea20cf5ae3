"""Figures for the role home pages."""

from __future__ import annotations

from django.db.models import Count

from cases.clocks.selectors import clock_alerts_for_user
from cases.workflow.selectors import case_list_for_user
from relief.models import User


def home_context_for_user(*, user: User) -> dict:
    """Case figures for the role's home page: open cases in the user's region by state,
    then the user's overdue and due-soon cases."""
    rows = case_list_for_user(user=user).order_by().values("state").annotate(n=Count("pk"))
    by_state = {r["state"]: r["n"] for r in rows}
    return {
        "cases_by_state": by_state,
        "cases_total": sum(by_state.values()),
        **clock_alerts_for_user(user=user),
    }
