"""Whether a confirmation needs the review panel, and whether the meeting it names reviewed
the case. A low module (models only), so the workflow service asks it."""

from __future__ import annotations

import datetime

from cases.panel.models import PanelReview
from relief.policy import policy_for

PANEL_MISSING = "审核确认须经评审小组集体研究：请选择审议过本案的评审小组会议"
PANEL_NOT_REVIEWED = "所选评审小组会议未审议本案"
PANEL_PENDING = "本案尚未经评审小组集体研究"


def panel_required(case, on: datetime.date) -> bool:
    """The policy in force for the case's township on the decision date says whether the
    approver's confirmation needs a panel meeting (``panel_required_for_confirmation``)."""
    return bool(policy_for(case.township, on).panel_required_for_confirmation)


def panel_reason(case, meeting_id, on: datetime.date) -> str | None:
    """Why confirming ``case`` naming meeting ``meeting_id`` is refused, or None. A meeting
    named when none is required must still be one that reviewed the case."""
    if meeting_id in (None, ""):
        return PANEL_MISSING if panel_required(case, on) else None
    pk = meeting_pk(meeting_id)
    if pk is None:
        return PANEL_NOT_REVIEWED
    if not PanelReview.objects.filter(meeting_id=pk, case=case).exists():
        return PANEL_NOT_REVIEWED
    return None


def meeting_pk(raw) -> int | None:
    text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    return int(text) if text.isdigit() and len(text) < 12 else None


def panel_reviews_of(case):
    return PanelReview.objects.filter(case=case).select_related("meeting")
