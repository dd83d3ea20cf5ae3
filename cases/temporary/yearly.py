"""The household's 临时救助 of a year ([G]: the cumulative amount and the same-cause count),
one query the pages, the grant service and the tier guard (cases.workflow.guards
``within_township_cap``) share. It sits beside the model layer, not in selectors, because the
guards may not import selectors (import-linter)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum

from cases.models import Case, CaseState, Emergency, EmergencyGrant, Member
from cases.states import WorkflowKind
from cases.temporary.rules import EXPENDITURE_CAUSE


def year_figures(case: Case, *, year: int) -> dict[str, Any]:
    """The household's 临时救助 in calendar ``year`` ([G], shown at intake and on the case
    page, counted by the tier guard): ``total`` is every 先行救助 grant (an emergency's case
    amount is the sum of its grants, so only the grants count) plus the amount of every
    decided ordinary (支出型) case other than this one; ``same_cause_count`` the earlier cases
    for the same cause (an emergency's cause; ``EXPENDITURE_CAUSE`` for an ordinary case).
    This case's own grants count in the total; an ordinary case's own amount does not (the
    tier guard adds it). The household is the case's, or anyone of its members' ID numbers
    (an emergency's person may have been registered in a household of their own)."""
    emergency = Emergency.objects.filter(case_id=case.pk).first() if case.pk else None
    cause = emergency.cause if emergency else EXPENDITURE_CAUSE
    numbers = set(
        Member.objects.filter(household_id=case.household_id)
        .exclude(id_number="")
        .values_list("id_number", flat=True)
    )
    if emergency and emergency.id_number:
        numbers.add(emergency.id_number)
    whose = Q(case_id=case.pk) | Q(case__household_id=case.household_id)
    if numbers:
        whose |= Q(id_number__in=numbers)
    grants = EmergencyGrant.objects.filter(whose, year=year)
    # The applicants by their ids (the ID-number index), not ``applicant__id_number`` through
    # a LEFT JOIN: an OR across two tables cannot use an index, and PostgreSQL scanned every
    # decided case of the year (2 × 150 ms per 临时救助 case page at 100,000 cases); with
    # ids both arms of the OR are indexed columns of the case (a BitmapOr).
    applicants = (
        list(Member.objects.filter(id_number__in=numbers).values_list("pk", flat=True))
        if numbers
        else []
    )
    ordinary = (
        Case.objects.filter(
            Q(household_id=case.household_id) | Q(applicant_id__in=applicants),
            assistance_type__workflow=WorkflowKind.TEMPORARY,
            emergency__isnull=True,
            decided_on__year=year,
            monthly_amount__isnull=False,
        )
        .exclude(state=CaseState.REFUSED)
        .exclude(pk=case.pk)
    )
    # one row per case (no join multiplies them), read once for the sum and the count
    amounts = list(ordinary.order_by().values_list("monthly_amount", flat=True))
    total = (grants.aggregate(s=Sum("amount"))["s"] or Decimal("0")) + sum(amounts, Decimal("0"))
    same_cause = (
        grants.filter(cause=cause).exclude(case_id=case.pk).values("case_id").distinct().count()
    )
    if cause == EXPENDITURE_CAUSE:
        same_cause += len(amounts)
    return {
        "year": year,
        "total": total.quantize(Decimal("0.01")),
        "same_cause_count": same_cause,
        "cause": cause,
        "own_included": emergency is not None,
    }
