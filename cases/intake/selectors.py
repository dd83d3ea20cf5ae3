"""Reads for intake: checklists, duplicates, near relatives, the check queue and the
context the case page's intake partials need (``case_intake_context``)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404

from cases.models import (
    AmountComputation,
    Case,
    EconomicCheck,
    Household,
    Member,
    NearRelative,
    Survey,
)
from cases.rules import (
    DUPLICATE_OVERRIDE,
    checklist_for_case,
    duplicate_cases,
    is_recused,
    near_relative_matches,
    reads_remembered,
    remembered,
)
from cases.states import (
    CHECK_REQUEST_STATES,
    EDITABLE_STATES,
    PRE_ACCEPTANCE_STATES,
    SURVEY_STATES,
    WorkflowKind,
)
from relief.models import Role, User
from relief.scoping import scope_by_region


def near_relatives_for_user(*, user: User) -> QuerySet[NearRelative]:
    return scope_by_region(NearRelative.objects.all(), user).select_related(
        "township", "village", "worker_user", "registered_by"
    )


def near_relative_get_for_user(*, user: User, pk: int) -> NearRelative:
    return get_object_or_404(near_relatives_for_user(user=user), pk=pk)


def check_queue_for_user(*, user: User) -> QuerySet[EconomicCheck]:
    """Checks awaiting the county verifier, oldest first, in the user's region."""
    qs = EconomicCheck.objects.filter(status=EconomicCheck.Status.REQUESTED)
    return (
        scope_by_region(qs, user, township_field="case__township", village_field="case__village")
        .select_related(
            "case",
            "case__township",
            "case__village",
            "case__assistance_type",
            "case__applicant",
            "requested_by",
        )
        .order_by("requested_at", "pk")
    )


def checks_for_user(*, user: User) -> QuerySet[EconomicCheck]:
    return scope_by_region(
        EconomicCheck.objects.all(),
        user,
        township_field="case__township",
        village_field="case__village",
    ).select_related(
        "case",
        "case__township",
        "case__assistance_type",
        "case__applicant",
        "requested_by",
        "returned_by",
    )


def check_get_for_user(*, user: User, pk: int) -> EconomicCheck:
    return get_object_or_404(checks_for_user(user=user), pk=pk)


#: What the household cards show beside the members, each item with its member.
HOUSEHOLD_ITEMS = ("income_items__member", "spendings__member", "assets__member")


def members_in_entry_order(lookup: str = "members") -> Prefetch:
    """The household's members as the cards list them: in the order they were entered."""
    return Prefetch(lookup, queryset=Member.objects.order_by("pk"))


def household_for_case(case: Case) -> Household:
    """The case's household with its members (in entry order) and its incomes, spendings and
    assets. On the instance the case page renders (``remember_reads``), the household and
    members its own read fetched are used rather than read again."""
    if reads_remembered(case):
        return remembered(case, "household", lambda: _household_of_page(case))
    return (
        Household.objects.filter(pk=case.household_id)
        .prefetch_related(members_in_entry_order(), *HOUSEHOLD_ITEMS)
        .get()
    )


def _household_of_page(case: Case) -> Household:
    household = case.household  # joined by the case page's read (case_detail_for_user)
    if "members" not in getattr(household, "_prefetched_objects_cache", {}):
        prefetch_related_objects([household], members_in_entry_order())
    prefetch_related_objects([household], *HOUSEHOLD_ITEMS)
    return household


def survey_for_case(case: Case) -> Survey | None:
    return Survey.objects.filter(case=case).first()


def duplicate_rows(case: Case, duplicates: list[Case]) -> list[dict]:
    """Each other open case of the same category holding a member of this one, with the
    county supervisor's signed override that lets this case go on beside it (or None):
    ``{"case", "override"}``; the override is a case log row (who, when, the reason)."""
    if not duplicates:
        return []
    overrides = list(case.events.filter(transition=DUPLICATE_OVERRIDE).order_by("created_at", "pk"))
    rows = []
    for other in duplicates:
        covering = [e for e in overrides if other.number in (e.data or {}).get("cases", [])]
        rows.append({"case": other, "override": covering[-1] if covering else None})
    return rows


def can_edit_household(case: Case, user: User) -> bool:
    if case.state not in EDITABLE_STATES:
        return False
    if user.has_role(Role.TOWNSHIP_CLERK):
        return True
    return user.has_role(Role.VILLAGE_ASSISTANT) and case.state in PRE_ACCEPTANCE_STATES


def case_intake_context(case: Case, user: User) -> dict:
    """Everything the intake partials need (templates/cases/_household.html, _documents.html,
    _survey.html, _check.html, _computation.html), besides ``case`` and ``user``:
    ``intake`` = {household, members, incomes, spendings, assets, edits, checklist, missing,
    notices, documents, survey, checks, computation, duplicates, near_relatives, can_*}."""
    household = household_for_case(case)
    members = list(household.members.all())
    id_numbers = [m.id_number for m in members]
    documents = list(
        case.documents.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk")
    )
    checklist = checklist_for_case(case, document_kinds=[d.kind for d in documents])
    recused = is_recused(case, user)
    duplicates = duplicate_cases(case, id_numbers=id_numbers)
    dup_rows = duplicate_rows(case, duplicates)
    checks = list(
        case.economic_checks.select_related(
            "requested_by", "returned_by", "report"
        ).prefetch_related("member_results")
    )
    return {
        "household": household,
        "members": members,
        "incomes": list(household.income_items.all()),
        "spendings": list(household.spendings.all()),
        "assets": list(household.assets.all()),
        "edits": list(household.edits.select_related("actor")[:50]),
        "checklist": checklist,
        "missing": [r for r in checklist if r["required"] and not r["provided"]],
        "notices": list(case.document_notices.all()),
        "documents": documents,
        "survey": survey_for_case(case),
        "checks": checks,
        "open_check": next((c for c in checks if c.status == EconomicCheck.Status.REQUESTED), None),
        "computation": AmountComputation.objects.filter(case=case)
        .select_related("computed_by")
        .first(),
        "tekun": getattr(case, "tekun_assessment", None)
        if case.assistance_type.workflow == WorkflowKind.TEKUN
        else None,
        "duplicates": duplicates,
        "duplicate_rows": dup_rows,
        "duplicates_unresolved": any(r["override"] is None for r in dup_rows),
        "near_relative_matches": list(near_relative_matches(case, id_numbers=id_numbers))
        if user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
        else [],
        "recused": recused,
        "can_edit": not recused and can_edit_household(case, user),
        # a county supervisor may add a member already in another open case, with a reason
        "can_override_duplicate": user.has_role(Role.COUNTY_SUPERVISOR)
        and case.state in EDITABLE_STATES,
        "can_checklist": not recused
        and user.has_role(Role.TOWNSHIP_CLERK)
        and case.state in PRE_ACCEPTANCE_STATES,
        "can_survey": not recused
        and case.state in SURVEY_STATES
        and (
            user.has_role(Role.TOWNSHIP_CLERK)
            or (user.has_role(Role.VILLAGE_ASSISTANT) and user.region_id == case.village_id)
        ),
        "can_request_check": not recused
        and user.has_role(Role.TOWNSHIP_CLERK)
        and case.state in CHECK_REQUEST_STATES
        and not any(c.status == EconomicCheck.Status.REQUESTED for c in checks),
        "can_return_check": not recused and user.has_role(Role.COUNTY_VERIFIER),
        "can_compute": not recused
        and user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
        and case.state in EDITABLE_STATES
        and case.assistance_type.workflow in (WorkflowKind.DIBAO, WorkflowKind.TEKUN),
        # 支出型临时救助: the amount by the county's rule (cases.temporary, its own form).
        "can_compute_temporary": not recused
        and user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
        and case.state in EDITABLE_STATES
        and case.assistance_type.workflow == WorkflowKind.TEMPORARY
        and not case.is_emergency,
        "can_upload": not recused
        and user.has_role(
            Role.VILLAGE_ASSISTANT,
            Role.TOWNSHIP_CLERK,
            Role.TOWNSHIP_APPROVER,
            Role.COUNTY_VERIFIER,
        ),
    }
