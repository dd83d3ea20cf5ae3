"""Template helpers of the workflow pages."""

from __future__ import annotations

from django import template

from cases.models import CaseState
from cases.rules import facts_ready
from relief.models import Role

register = template.Library()


@register.filter
def role_label(value: str) -> str:
    try:
        return Role(value).label
    except ValueError:
        return value


STATE_COLOURS = {
    "draft": "secondary",
    "returned_to_village": "warning",
    "awaiting_documents": "warning",
    "refused": "danger",
    "withdrawn": "secondary",
    "terminated": "dark",
    "revoked": "danger",
    "paying": "success",
    "confirmed": "success",
    "result_notice": "info",
    "pre_notice": "info",
    "objection": "warning",
    "county_review": "primary",
    "review": "primary",
}


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "info")


#: Built once: the filter runs per row of the case list and per event of the timeline.
STATE_LABELS = dict(CaseState.choices)


@register.filter
def state_label(value: str) -> str:
    return STATE_LABELS.get(value, value)


@register.filter(name="facts_ready")
def facts_ready_filter(case) -> bool:
    """The case's check report and survey are both in while it still waits (cases.rules)."""
    return facts_ready(case)
