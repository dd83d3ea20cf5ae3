"""The case page's emergency card (``cases.workflow.hooks.case_page_panels``, connected in
``CasesConfig.ready()``): the facts, the grants, the household's year, the skipped steps."""

from __future__ import annotations

from typing import Any

from cases.models import Emergency
from cases.states import WorkflowKind
from cases.temporary.selectors import emergency_summary, hours_left
from cases.workflow.hooks import CasePanel

PANEL_TEMPLATE = "cases/temporary/_panel.html"


def on_case_page(sender: object, *, case: Any, user: Any, **kwargs: Any) -> CasePanel | None:
    if case.workflow != WorkflowKind.TEMPORARY:
        return None
    emergency = Emergency.objects.filter(case=case).first()
    if emergency is None:
        return None
    emergency.case = case
    summary = emergency_summary(emergency)
    summary["hours_left"] = hours_left(summary["clock"])
    return CasePanel(template=PANEL_TEMPLATE, context=summary, order=5)
