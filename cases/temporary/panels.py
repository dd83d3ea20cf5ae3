"""The case page's 临时救助 card (``cases.workflow.hooks.case_page_panels``, connected in
``CasesConfig.ready()``): for 急难型 the facts, the grants, the household's year, the skipped
steps; for an ordinary (支出型) case the household's cumulative amount and same-cause count
of the year (yearly.year_figures, the numbers the tier guard counts)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.models import Emergency
from cases.states import WorkflowKind
from cases.temporary.selectors import emergency_summary, hours_left
from cases.temporary.yearly import year_figures
from cases.workflow.guards import temporary_tier
from cases.workflow.hooks import CasePanel

PANEL_TEMPLATE = "cases/temporary/_panel.html"
YEAR_PANEL_TEMPLATE = "cases/temporary/_year_panel.html"


def on_case_page(sender: object, *, case: Any, user: Any, **kwargs: Any) -> CasePanel | None:
    if case.workflow != WorkflowKind.TEMPORARY:
        return None
    emergency = Emergency.objects.filter(case=case).first()
    if emergency is None:
        year = year_figures(case, year=timezone.localdate().year)
        context = {"year": year, "tier": temporary_tier(case)}
        return CasePanel(template=YEAR_PANEL_TEMPLATE, context=context, order=5)
    emergency.case = case
    summary = emergency_summary(emergency)
    summary["hours_left"] = hours_left(summary["clock"])
    return CasePanel(template=PANEL_TEMPLATE, context=summary, order=5)
