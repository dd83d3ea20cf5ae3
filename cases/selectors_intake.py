"""Reads for intake: checklists, duplicates, near relatives, the check queue and the
context the case page's intake partials need (``case_intake_context``)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from cases.models import (
    AmountComputation,
    Case,
    CaseState,
    ChecklistEntry,
    ChecklistItem,
    EconomicCheck,
    Member,
    NearRelative,
    Survey,
)
from cases.models.case import OPEN_STATES
from relief.models import Role
from relief.scoping import scope_by_region

DEFAULT_CHECKLIST = [
    # code, name, required, categories
    ("id_card", "申请人及共同生活家庭成员居民身份证", True, ""),
    ("hukou", "居民户口簿", True, ""),
    ("authorisation", "家庭经济状况核对授权书（“一本一书”）", True, "dibao,tekun"),
    ("application", "社会救助申请书（本人签字）", True, ""),
    ("disability_cert", "残疾人证（如有）", False, ""),
    ("medical_proof", "重病诊断证明、医疗费用票据（如有）", False, ""),
    ("proxy_authorisation", "委托代办书及代办人身份证（委托代办时）", False, ""),
]

#: Another case of the same category in one of these states blocks 受理 (duplicate check).
#: Drafts not yet accepted do not block: the first township to accept wins, and a stale
#: draft elsewhere must not hold a household hostage. Cases in payment do block.
BLOCKING_STATES = tuple(
    s for s in OPEN_STATES if s not in (CaseState.DRAFT, CaseState.RETURNED_TO_VILLAGE)
) + (CaseState.PAYING,)

#: States in which household data, the survey and the check may still be worked on.
EDITABLE_STATES = (
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.EVALUATING,
    CaseState.OBJECTION,
    CaseState.REVIEW,
    CaseState.COUNTY_REVIEW,
)
PRE_ACCEPTANCE_STATES = (
    CaseState.DRAFT,
    CaseState.RETURNED_TO_VILLAGE,
    CaseState.AWAITING_DOCUMENTS,
)
SURVEY_STATES = (
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.VISITING,
    CaseState.INVESTIGATING,
    CaseState.OBJECTION,
)
CHECK_REQUEST_STATES = (
    CaseState.ACCEPTED,
    CaseState.CHECKING,
    CaseState.INVESTIGATING,
    CaseState.VISITING,
)


def ensure_checklist_items() -> None:
    if ChecklistItem.objects.exists():
        return
    for order, (code, name, required, categories) in enumerate(DEFAULT_CHECKLIST):
        ChecklistItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "required": required,
                "categories": categories,
                "sort_order": order,
            },
        )


def checklist_for_case(case: Case) -> list[dict]:
    """Every active item that applies to the case's category, with whether it is provided."""
    ensure_checklist_items()
    entries = {e.item_id: e for e in ChecklistEntry.objects.filter(case=case)}
    rows = []
    for item in ChecklistItem.objects.filter(active=True):
        if not item.applies_to(case.assistance_type.category):
            continue
        entry = entries.get(item.pk)
        rows.append(
            {
                "item": item,
                "code": item.code,
                "name": item.name,
                "required": item.required,
                "provided": bool(entry and entry.provided),
                "note": entry.note if entry else "",
            }
        )
    return rows


def missing_items(case: Case) -> list[dict]:
    return [r for r in checklist_for_case(case) if r["required"] and not r["provided"]]


def member_id_numbers(case: Case) -> list[str]:
    return list(
        Member.objects.filter(household_id=case.household_id).values_list("id_number", flat=True)
    )


def duplicate_cases(case: Case) -> list[Case]:
    """Other cases in the same county and assistance category, in a blocking state, that
    include a member of this case's household (DOMAIN: one open case per person and type)."""
    ids = member_id_numbers(case)
    if not ids:
        return []
    county_id = case.township.parent_id
    return list(
        Case.objects.filter(
            township__parent_id=county_id,
            assistance_type__category=case.assistance_type.category,
            state__in=BLOCKING_STATES,
            household__members__id_number__in=ids,
        )
        .exclude(pk=case.pk)
        .select_related("township", "assistance_type")
        .distinct()
    )


def duplicate_reason(case: Case) -> str:
    others = duplicate_cases(case)
    if not others:
        return ""
    parts = [
        f"{o.township.name}（案件{o.number}，{o.assistance_type.name}，{o.get_state_display()}）"
        for o in others
    ]
    return "申请家庭成员已有同类救助的在办案件：" + "；".join(parts) + "，不能重复受理"


def near_relative_matches(case: Case) -> QuerySet[NearRelative]:
    ids = member_id_numbers(case)
    return NearRelative.objects.filter(
        active=True, relative_id_number__in=ids, township__parent_id=case.township.parent_id
    ).select_related("township", "worker_user")


def near_relatives_for_user(*, user) -> QuerySet[NearRelative]:
    return scope_by_region(NearRelative.objects.all(), user).select_related(
        "township", "village", "worker_user", "registered_by"
    )


def near_relative_get_for_user(*, user, pk) -> NearRelative:
    return get_object_or_404(near_relatives_for_user(user=user), pk=pk)


def check_queue_for_user(*, user) -> QuerySet[EconomicCheck]:
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


def checks_for_user(*, user) -> QuerySet[EconomicCheck]:
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


def check_get_for_user(*, user, pk) -> EconomicCheck:
    return get_object_or_404(checks_for_user(user=user), pk=pk)


def household_for_case(case: Case):
    from cases.models import Household

    return (
        Household.objects.filter(pk=case.household_id)
        .prefetch_related(
            Prefetch("members", queryset=Member.objects.order_by("pk")),
            "income_items__member",
            "spendings__member",
            "assets__member",
        )
        .get()
    )


def survey_for_case(case: Case) -> Survey | None:
    return Survey.objects.filter(case=case).first()


def can_edit_household(case: Case, user) -> bool:
    if case.state not in EDITABLE_STATES:
        return False
    if user.has_role(Role.TOWNSHIP_CLERK):
        return True
    return user.has_role(Role.VILLAGE_ASSISTANT) and case.state in PRE_ACCEPTANCE_STATES


def case_intake_context(case: Case, user) -> dict:
    """Everything the intake partials need (templates/cases/_household.html, _documents.html,
    _survey.html, _check.html, _computation.html), besides ``case`` and ``user``:
    ``intake`` = {household, members, incomes, spendings, assets, edits, checklist, missing,
    notices, documents, survey, checks, computation, duplicates, near_relatives, can_*}."""
    from archive.selectors import documents_for_case
    from cases.workflow import is_recused

    household = household_for_case(case)
    members = list(household.members.all())
    recused = is_recused(case, user)
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
        "checklist": checklist_for_case(case),
        "missing": missing_items(case),
        "notices": list(case.document_notices.all()),
        "documents": list(documents_for_case(case)),
        "survey": survey_for_case(case),
        "checks": checks,
        "open_check": next((c for c in checks if c.status == EconomicCheck.Status.REQUESTED), None),
        "computation": AmountComputation.objects.filter(case=case)
        .select_related("computed_by")
        .first(),
        "tekun": getattr(case, "tekun_assessment", None)
        if case.assistance_type.workflow == "tekun"
        else None,
        "duplicates": duplicate_cases(case),
        "near_relative_matches": list(near_relative_matches(case))
        if user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
        else [],
        "recused": recused,
        "can_edit": not recused and can_edit_household(case, user),
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
        and case.assistance_type.workflow in ("dibao", "tekun"),
        "can_upload": not recused
        and user.has_role(
            Role.VILLAGE_ASSISTANT,
            Role.TOWNSHIP_CLERK,
            Role.TOWNSHIP_APPROVER,
            Role.COUNTY_VERIFIER,
        ),
    }
