"""Writes of the county supervision app (STYLE §2: keyword-only, atomic, audit inside the
transaction, notifications after commit)."""

from __future__ import annotations

from cases.models import Case, CaseEvent, CaseState
from review.models import Filing

#: Target states whose arrival is a decision the township files to the county.
FILING_KIND_BY_STATE = {
    CaseState.CONFIRMED: Filing.Kind.CONFIRMATION,
    CaseState.REFUSED: Filing.Kind.REFUSAL,
    CaseState.TERMINATED: Filing.Kind.TERMINATION,
    CaseState.REVOKED: Filing.Kind.REVOCATION,
}


def filing_create_for_event(case: Case, event: CaseEvent) -> Filing | None:
    """IN_TRANSACTION callback of cases.workflow.case_transition: file a decision (备案,
    seeds 000, 003) with its key figures. Runs inside the transition's transaction, so the
    decision and its filing commit or roll back together."""
    kind = FILING_KIND_BY_STATE.get(event.target_state)
    if kind is None:
        return None
    household_size = case.household.members.count()
    amount = case.monthly_amount
    snapshot = {
        "type_code": case.assistance_type.code,
        "type_name": case.assistance_type.name,
        "household_size": household_size,
        "monthly_amount": str(amount) if amount is not None else None,
        "route": case.route,
        "near_relative": case.near_relative_flag,
        "complaint": case.complaint_flag,
        "state": event.target_state,
        "transition": event.transition,
        "actor": event.actor_name,
        "opinion": event.opinion,
    }
    return Filing.objects.create(
        case=case,
        event=event,
        kind=kind,
        township_id=case.township_id,
        assistance_type_id=case.assistance_type_id,
        decided_on=case.decided_on or event.created_at.date(),
        snapshot=snapshot,
        household_size=household_size,
        monthly_amount=amount,
        route=case.route,
        near_relative_flag=case.near_relative_flag,
        complaint_flag=case.complaint_flag,
    )

