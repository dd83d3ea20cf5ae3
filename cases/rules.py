"""Rules both the models' guards and the services apply: recusal, duplicate detection and
document completeness. A low module: it reads models only, so guards, selectors, services
and other apps share one answer without importing each other."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from cases.intake.models import ChecklistEntry, ChecklistItem, Member, NearRelative
from cases.states import BLOCKING_STATES, FACTS_PENDING_STATES

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


def case_area(case) -> str:
    """城市 or 农村 for the standards: the assistance type says so (低保 has an urban and a
    rural type); otherwise the household's hukou type decides."""
    code = case.assistance_type.code
    if code.endswith("urban"):
        return "urban"
    if code.endswith("rural"):
        return "rural"
    return case.household.hukou_type


def is_recused(case, user) -> bool:
    """DOMAIN §4, A Art.11: a worker never acts on a case of his or her own relative (or
    his or her own household)."""
    return remembered(
        case, ("recused", user.pk), lambda: is_recused_from_household(case.household, user)
    )


def is_recused_from_household(household, user) -> bool:
    """``user`` is a member of ``household`` or an active near-relative entry names one."""
    ids = [m.id_number for m in household.members.all()]
    if user.id_number and user.id_number in ids:
        return True
    return NearRelative.objects.filter(
        worker_user=user, active=True, relative_id_number__in=ids
    ).exists()


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


#: The signed case log rows of the checklist: a clerk records that an item's original was
#: seen (``data["item"]`` its code, the opinion the note), or withdraws that record.
VERIFY_ORIGINAL = "verify_original"
WITHDRAW_VERIFICATION = "withdraw_verification"


def checklist_for_case(case, *, document_kinds: Iterable[str] | None = None) -> list[dict]:
    """Every active item that applies to the case's category. An item is present when a
    document of its kind is attached (the item's code names an archive ``Document`` kind:
    id_card, hukou, authorisation, application) or when a clerk recorded 原件已核验 with a
    note (``ChecklistEntry.provided``, signed in the case log); it is never ticked by hand.
    ``document_kinds``: the kinds of the case's documents, when the caller has them already.
    Each row: item, code, name, required, attached (how many documents of its kind),
    verified, provided, note, verified_by, verified_at."""
    items = list(ChecklistItem.objects.filter(active=True))
    if not items:  # a new database: the default list is written on first use
        ensure_checklist_items()
        items = list(ChecklistItem.objects.filter(active=True))
    entries = {
        e.item_id: e for e in ChecklistEntry.objects.filter(case=case).select_related("updated_by")
    }
    if document_kinds is None:
        document_kinds = case.documents.values_list("kind", flat=True) if case.pk else []
    attached = Counter(document_kinds)
    rows = []
    for item in items:
        if not item.applies_to(case.assistance_type.category):
            continue
        entry = entries.get(item.pk)
        verified = bool(entry and entry.provided)
        rows.append(
            {
                "item": item,
                "code": item.code,
                "name": item.name,
                "required": item.required,
                "attached": attached.get(item.code, 0),
                "verified": verified,
                "provided": attached.get(item.code, 0) > 0 or verified,
                "note": entry.note if entry else "",
                # who recorded 原件已核验 and when (the entry's last change is the record)
                "verified_by": str(entry.updated_by or "") if verified and entry else "",
                "verified_at": entry.updated_at if verified and entry else None,
            }
        )
    return rows


def missing_items(case, *, document_kinds: Iterable[str] | None = None) -> list[dict]:
    return [
        r
        for r in checklist_for_case(case, document_kinds=document_kinds)
        if r["required"] and not r["provided"]
    ]


def remember_reads(case) -> None:
    """Keep this instance's answers of the reads below (recusal, household ID numbers,
    duplicates, county overrides) and of the household its cards show
    (``cases.intake.selectors.household_for_case``) for as long as the instance lives: a page
    asks them once per guard and once per card. Only for an instance that renders a page and
    is then dropped (the case page); a service that writes and then checks must not call it."""
    case._rules_reads = {}


def reads_remembered(case) -> bool:
    """Whether ``remember_reads`` was called on this instance."""
    return getattr(case, "_rules_reads", None) is not None


def remembered(case, key, compute):
    """``compute()``, kept on the instance under ``key`` when ``remember_reads`` was called
    on it; else computed each time."""
    reads = getattr(case, "_rules_reads", None)
    if reads is None:
        return compute()
    if key not in reads:
        reads[key] = compute()
    return reads[key]


def member_id_numbers(case) -> list[str]:
    return remembered(
        case,
        "id_numbers",
        lambda: list(
            Member.objects.filter(household_id=case.household_id).values_list(
                "id_number", flat=True
            )
        ),
    )


#: The signed case log row by which a county supervisor lets a case go on beside another open
#: case of the same category for the same person; its ``data["cases"]`` names the other cases.
DUPLICATE_OVERRIDE = "duplicate_override"


def open_cases_by_id_number(
    case_model, *, county_id, category: str, id_numbers, exclude_pk=None
) -> dict[str, list]:
    """For each ID number, the cases in the county and assistance category, in a blocking
    state, whose household holds that person (DOMAIN: one open case per person and type).
    ``case_model`` is the Case model (this module reads models without importing them)."""
    ids = [n for n in id_numbers if n]
    if not ids:
        return {}
    qs = case_model.objects.filter(
        township__parent_id=county_id,
        assistance_type__category=category,
        state__in=BLOCKING_STATES,
        household__members__id_number__in=ids,
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    pairs = list(qs.values_list("household__members__id_number", "pk").distinct())
    cases = case_model.objects.select_related("township", "assistance_type").in_bulk(
        {pk for _, pk in pairs}
    )
    out: dict[str, list] = {}
    for number, pk in sorted(pairs, key=lambda p: (p[0], cases[p[1]].number)):
        out.setdefault(number, []).append(cases[pk])
    return out


def duplicate_message(others) -> str:
    """The field error for an ID number held in other open cases: names the type, the township
    and the case number of each."""
    parts = [
        f"{o.assistance_type.name}申请：{o.township.name} 案件号 {o.number}"
        f"（{o.get_state_display()}）"
        for o in others
    ]
    return (
        "该身份证号已有在办的"
        + "；".join(parts)
        + "。同一人同类救助只能有一件在办案件；确需另行办理的，须由县民政局监管人员填写理由同意"
    )


def duplicate_cases(case, *, id_numbers: list[str] | None = None) -> list:
    """Other cases in the same county and assistance category, in a blocking state, that
    include a member of this case's household (DOMAIN: one open case per person and type).
    ``id_numbers``: the household's, when the caller has the members already."""
    ids = member_id_numbers(case) if id_numbers is None else id_numbers
    if not ids:
        return []
    key = ("duplicates", tuple(sorted(ids)))
    return remembered(case, key, lambda: _duplicate_cases(case, ids))


def _duplicate_cases(case, ids) -> list:
    county_id = case.township.parent_id
    return list(
        type(case)
        .objects.filter(
            township__parent_id=county_id,
            assistance_type__category=case.assistance_type.category,
            state__in=BLOCKING_STATES,
            household__members__id_number__in=ids,
        )
        .exclude(pk=case.pk)
        .select_related("township", "assistance_type")
        .distinct()
    )


def overridden_case_numbers(case) -> set[str]:
    """The other cases a county supervisor let this case go on beside (signed log rows)."""
    if case.pk is None:
        return set()

    def read() -> set[str]:
        rows = case.events.filter(transition=DUPLICATE_OVERRIDE).values_list("data", flat=True)
        return {str(n) for data in rows for n in (data or {}).get("cases", [])}

    return remembered(case, "overridden", read)


def unresolved_duplicates(case) -> list:
    """The duplicates (:func:`duplicate_cases`) no county override covers."""
    others = duplicate_cases(case)
    if not others:
        return []
    allowed = overridden_case_numbers(case)
    return [o for o in others if o.number not in allowed]


def duplicate_reason(case) -> str:
    others = unresolved_duplicates(case)
    if not others:
        return ""
    parts = [
        f"{o.township.name}（案件{o.number}，{o.assistance_type.name}，{o.get_state_display()}）"
        for o in others
    ]
    return "申请家庭成员已有同类救助的在办案件：" + "；".join(parts) + "，不能重复受理"


def near_relative_matches(case, *, id_numbers: list[str] | None = None) -> QuerySet[NearRelative]:
    ids = member_id_numbers(case) if id_numbers is None else id_numbers
    return NearRelative.objects.filter(
        active=True, relative_id_number__in=ids, township__parent_id=case.township.parent_id
    ).select_related("township", "worker_user")


def facts_ready_q() -> Q:
    """Cases whose investigation facts are all in (check report returned, survey finished)
    while the case still waits in an investigation state: the clerk can move it on now."""
    return Q(state__in=FACTS_PENDING_STATES, check_status="returned", survey_status="complete")


def facts_ready(case) -> bool:
    """The same rule as ``facts_ready_q`` for one case in memory."""
    return (
        case.state in FACTS_PENDING_STATES
        and case.check_status == "returned"
        and case.survey_status == "complete"
    )
