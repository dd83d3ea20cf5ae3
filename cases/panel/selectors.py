"""Reading panel meetings: scoped by relief.scoping (another township's meeting is a 404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Case
from cases.panel.models import PanelMeeting
from cases.states import PRE_DECISION_STATES
from relief.models import User
from relief.scoping import scope_by_region


def panel_meetings_for_user(*, user: User) -> QuerySet[PanelMeeting]:
    return scope_by_region(
        PanelMeeting.objects.select_related("township", "recorded_by"),
        user,
        village_field=None,
    ).prefetch_related("reviews__case")


def panel_meeting_get_for_user(*, user: User, pk: int | str) -> PanelMeeting:
    return get_object_or_404(panel_meetings_for_user(user=user), pk=pk)


def panel_candidate_cases_for_user(*, user: User) -> QuerySet[Case]:
    """The cases of the user's township waiting for a decision, which a meeting may review."""
    return scope_by_region(
        Case.objects.filter(state__in=PRE_DECISION_STATES).select_related("applicant"),
        user,
        village_field=None,
    ).order_by("-created_at", "-pk")[:200]
