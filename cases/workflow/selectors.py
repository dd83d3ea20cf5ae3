"""Reads of cases, always through region scoping (relief/scoping.py). Every view and API
view gets its cases here, so a case outside the user's region is a 404."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
from django.http import HttpRequest, QueryDict
from django.shortcuts import get_object_or_404

from cases.intake.selectors import members_in_entry_order
from cases.models import Case, CaseEvent, Household
from cases.stats.models import OpenTally, StateTally
from cases.workflow.filters import CaseFilter
from relief.models import Region, User
from relief.scoping import scope_by_region


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    return scope_by_region(Case.objects.all(), user).select_related(
        "assistance_type", "township", "village", "applicant", "household"
    )


def case_get_for_user(*, user: User, pk: int) -> Case:
    return get_object_or_404(case_list_for_user(user=user), pk=pk)


def case_page_list_for_user(
    *, user: User, params: QueryDict | dict | None = None, request: HttpRequest | None = None
) -> CaseFilter:
    """The filtered, ordered case list of the list page and the list API (constant number
    of queries whatever the page size: everything shown is select_related; the wide
    policy snapshot is not read).

    It joins only what a row shows (type, township, village, applicant, clock): six tables,
    as the hand-written index-backed query. The household and the township's county are
    not shown; with them the statement had eight tables and PostgreSQL spent more time
    choosing among their join orders than running it (52 ms planning, 1 ms execution at
    1M cases)."""
    qs = (
        scope_by_region(Case.objects.all(), user)
        .select_related("assistance_type", "township", "village", "applicant", "clock")
        .defer("policy_snapshot")
    )
    return CaseFilter(params, queryset=qs, request=request)


#: Filters whose count the summary tables answer (cases.stats): the scope, type, state and
#: the clock's overdue / due-soon flags as the daily scan last left them.
SUMMARY_FILTERS = frozenset({"state", "assistance_type", "township", "village", "overdue"})


def case_list_summary_count(*, user: User, filterset: CaseFilter) -> tuple[int, bool] | None:
    """(count, True) of a list filtered on a state or the 超期/临期 flag, from the summary
    rows (StateTally, OpenTally; kept inside the transitions and the daily scan) instead of
    counting up to 10,000 cases (with the overdue filter, each joined to its clock: 200 ms
    at 1M). None when another filter is set (the list counts as usual) or when no filter
    is: the plain list keeps its capped count."""
    if not (filterset.is_bound and filterset.is_valid()):
        return None
    used = {k: v for k, v in filterset.form.cleaned_data.items() if v not in (None, "", [])}
    used.pop("ordering", None)
    if not used or not set(used) <= SUMMARY_FILTERS or not ({"state", "overdue"} & set(used)):
        return None
    overdue = used.get("overdue")
    if overdue == "no":
        return None
    keys = {
        f"{name}__in" if name == "state" else name: used[name]
        for name in ("state", "assistance_type", "township", "village")
        if name in used
    }
    if overdue is None:
        rows = scope_by_region(StateTally.objects.all(), user).filter(**keys)
    else:
        # the clock summary has townships, no villages
        region = getattr(user, "region", None)
        if "village" in keys or (region is not None and region.level == Region.Level.VILLAGE):
            return None
        flags = {"overdue": True} if overdue == "yes" else {"due_soon": True, "overdue": False}
        rows = scope_by_region(OpenTally.objects.all(), user, village_field=None)
        rows = rows.filter(**keys, **flags)
    total = rows.aggregate(n=Sum("n"))["n"] or 0
    return total, True


def case_detail_for_user(*, user: User, pk: int) -> Case:
    """One case for its page: region-scoped (404 outside), members prefetched, the clock
    (read by the 下一步 panel) joined. The users who registered and accepted it are not
    joined: with them the statement had ten tables and PostgreSQL spent ~10 ms choosing a
    join order for a 0.3 ms read (the page reads ``accepted_by`` by its key when shown)."""
    qs = case_list_for_user(user=user).select_related("township__parent", "clock")
    members = members_in_entry_order("household__members")  # as the household cards list them
    return get_object_or_404(qs.prefetch_related(members), pk=pk)


def case_events(*, case: Case) -> QuerySet[CaseEvent]:
    """The signed timeline of a case, oldest first."""
    return case.events.select_related("actor").order_by("created_at", "pk")


def household_list_for_user(*, user: User) -> QuerySet[Household]:
    return scope_by_region(Household.objects.all(), user)


def household_get_for_user(*, user: User, pk: int) -> Household:
    return get_object_or_404(household_list_for_user(user=user), pk=pk)
