"""What the emergency pages and API read: the emergencies a user may see (region scoping,
another township's answers 404), one emergency with its grants and clock, the skipped steps."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from cases.models import CaseClock, Emergency, EmergencyGrant
from cases.temporary.yearly import year_figures
from relief.policy import Policy
from relief.scoping import scope_by_region
from relief.workdays import workdays_left


def emergency_list_for_user(*, user: Any, open_only: bool = False) -> QuerySet[Emergency]:
    qs = scope_by_region(
        Emergency.objects.all(),
        user,
        township_field="case__township",
        village_field="case__village",
    ).select_related("case", "case__village", "case__township", "case__clock")
    if open_only:
        qs = qs.filter(case__clock__stopped_on__isnull=True)
    return qs.order_by("-registered_at", "-pk")


def emergency_get_for_user(*, user: Any, pk: int) -> Emergency:
    return get_object_or_404(emergency_list_for_user(user=user), pk=pk)


def grants_of(emergency: Emergency) -> list[EmergencyGrant]:
    return list(
        EmergencyGrant.objects.filter(case_id=emergency.case_id).select_related("granted_by")
    )


@dataclass(frozen=True)
class SkippedStep:
    step: str
    reason: str


#: (policy key, step, why) — [G] and seed 002: 急难型 helps first and completes the file after.
SKIP_RULES = (
    ("emergency_skip_check", "经济状况核对", "急难型临时救助先行救助，按本县政策免于经济状况核对"),
    ("emergency_skip_evaluation", "民主评议", "急难型临时救助情况紧急，按本县政策不进行民主评议"),
    ("emergency_skip_notice", "公示", "急难型临时救助按本县政策不进行公示"),
)


def skipped_steps(policy: Policy) -> list[SkippedStep]:
    """The steps the county's policy lets 急难型 skip, each with its reason."""
    return [SkippedStep(step, why) for key, step, why in SKIP_RULES if bool(policy[key])]


def emergency_summary(emergency: Emergency) -> dict:
    """The facts the case page, the grant form and the API show together."""
    today = timezone.localdate()
    return {
        "emergency": emergency,
        "grants": grants_of(emergency),
        "year": year_figures(emergency.case, year=today.year),
        "skipped": skipped_steps(emergency.case.policy),
        "clock": getattr(emergency.case, "clock", None),
    }


def hours_left(clock: CaseClock | None, now: datetime.datetime | None = None) -> float | None:
    """Hours left on an hours step (negative when overdue), or None."""
    if clock is None or clock.step_due_at is None:
        return None
    now = now or timezone.now()
    return round((clock.step_due_at - now).total_seconds() / 3600, 1)


def file_workdays_left(clocks: Iterable[CaseClock | None]) -> dict[datetime.date, int]:
    """Working days left to each working-days step due date of ``clocks`` (one calendar read)."""
    dues = [c.step_due for c in clocks if c is not None and c.step_due and c.step_due_at is None]
    return workdays_left(timezone.localdate(), dues)
