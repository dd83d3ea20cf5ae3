"""The case page's referral card (``cases.workflow.hooks.case_page_panels``, connected in
``CasesConfig.ready()``): the case's referrals, open ones with their age."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cases.models import Referral
from cases.referrals.services import REFER_ROLES
from cases.workflow.hooks import CasePanel

PANEL_TEMPLATE = "cases/referrals/_panel.html"


def on_case_page(sender: object, *, case: Any, user: Any, **kwargs: Any) -> CasePanel | None:
    rows = list(Referral.objects.filter(case=case).select_related("department"))
    may_refer = user.has_role(*REFER_ROLES)
    if not rows and not may_refer:
        return None
    today = timezone.localdate()
    return CasePanel(
        template=PANEL_TEMPLATE,
        context={
            "case": case,
            "rows": [{"referral": r, "age": r.age_days(today)} for r in rows],
            "open_count": sum(1 for r in rows if r.is_open),
            "may_refer": may_refer,
        },
        order=50,
    )
