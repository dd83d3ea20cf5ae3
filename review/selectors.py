"""Reads of the county supervision app, always through region scoping (relief/scoping.py):
a row of another township is simply absent, so detail views answer 404."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.http import QueryDict
from django.shortcuts import get_object_or_404

from cases.clocks.selectors import on_time_counts
from cases.models import CaseClock
from cases.states import CONFIRMED_STATES
from cases.stats.selectors import decided_in_states
from relief.models import AssistanceType, Delegation, Region, Role, User
from relief.paging import ListPage, list_page
from relief.scoping import scope_by_region, townships_for_user
from relief.statistics import township_figures
from review.models import (
    Complaint,
    Filing,
    FilingTally,
    ProblemKind,
    Query,
    RectificationOrder,
    SpotCheckCampaign,
    SpotCheckItem,
)
from review.services import is_county_staff


def _scoped(qs: QuerySet, user: User) -> QuerySet:
    # Supervision rows belong to a township; village assistants see none of them.
    return scope_by_region(qs, user, township_field="township", village_field=None)


def _county_only(qs: QuerySet, user: User, field: str = "county") -> QuerySet:
    if user.is_superuser and user.region_id is None:
        return qs
    if not is_county_staff(user):
        return qs.none()
    return qs.filter(**{f"{field}_id": user.region_id})


# --- filings and queries -------------------------------------------------------------------
def _filter_tally_keys(qs: QuerySet, f: dict) -> QuerySet:
    """The inbox filters on the columns Filing and FilingTally share (``TALLY_FILTERS``)."""
    if f.get("township"):
        qs = qs.filter(township_id=f["township"])
    if f.get("category"):
        qs = qs.filter(assistance_type__category=f["category"])
    if f.get("assistance_type"):
        qs = qs.filter(assistance_type_id=f["assistance_type"])
    if f.get("kind"):
        qs = qs.filter(kind=f["kind"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("date_from"):
        qs = qs.filter(decided_on__gte=f["date_from"])
    if f.get("date_to"):
        qs = qs.filter(decided_on__lte=f["date_to"])
    return qs


def filing_list_for_user(*, user: User, filters: dict | None = None) -> QuerySet[Filing]:
    qs = _scoped(Filing.objects.all(), user).select_related(
        "case", "township", "assistance_type", "acknowledged_by"
    )
    f = filters or {}
    qs = _filter_tally_keys(qs, f)
    if f.get("near_relative"):
        qs = qs.filter(near_relative_flag=True)
    if f.get("complaint"):
        qs = qs.filter(Q(complaint_flag=True) | Q(case__complaint_flag=True))
    if f.get("overdue"):
        # Decided after the limit (the clock stopped late) or still over it.
        late = CaseClock.objects.filter(Q(on_time=False) | Q(overdue=True)).values("case_id")
        qs = qs.filter(case_id__in=late)
    return qs


#: Inbox filters the filing tally answers (the others need the filings themselves).
TALLY_FILTERS = {
    "township",
    "category",
    "assistance_type",
    "kind",
    "status",
    "date_from",
    "date_to",
}


def filing_count_for_user(*, user: User, filters: dict | None = None) -> int | None:
    """The number of filings ``filing_list_for_user`` lists with ``filters``, summed from
    ``FilingTally`` (a few rows per township and day, whatever the number of filings); None
    when a filter is set that the tally does not carry (flags, lateness)."""
    f = {k: v for k, v in (filters or {}).items() if v}
    if set(f) - TALLY_FILTERS:
        return None
    qs = _scoped(FilingTally.objects.all(), user)
    qs = _filter_tally_keys(qs, f)
    if f.get("date_to"):
        # (a filing without a decision date sits on NO_DECISION_DAY, before every period)
        qs = qs.filter(decided_on__gt=FilingTally.NO_DECISION_DAY)
    return qs.aggregate(n=Sum("n"))["n"] or 0


#: The inbox's order, newest first (Filing.Meta.ordering; the keyset of its pages, on the
#: indexes filing_*_newest).
INBOX_ORDER = ("-filed_at", "-id")


def filing_inbox_page(
    *, user: User, filters: dict | None, params: QueryDict | None, per_page: int = 30
) -> ListPage:
    """The inbox page ``params`` asks for: newest first by keyset (``?after=<cursor>``, the
    next page reads the same index entries as the first, relief/paging.py), ``?page=N`` by
    offset. The count comes from the filing tally when the filters are ones it carries,
    else it is exact up to 10,000 and "1万+" above. The wide JSON columns (the filing's
    snapshot, the case's policy snapshot) are not read."""
    qs = (
        filing_list_for_user(user=user, filters=filters)
        .select_related(None)
        .select_related("case", "township", "assistance_type")
        .defer("snapshot", "case__policy_snapshot")
    )
    counted = filing_count_for_user(user=user, filters=filters)
    return list_page(
        qs,
        params=params,
        per_page=per_page,
        ordering=INBOX_ORDER,
        time_field="filed_at",
        counted=None if counted is None else (counted, True),
    )


def filing_new_count(*, user: User) -> int:
    """Filings of the user's region still to be read (待阅), from the tally."""
    return filing_count_for_user(user=user, filters={"status": Filing.Status.NEW}) or 0


def filing_get_for_user(*, user: User, pk: int) -> Filing:
    return get_object_or_404(filing_list_for_user(user=user), pk=pk)


def query_list_for_user(*, user: User) -> QuerySet[Query]:
    return (
        _scoped(Query.objects.all(), user)
        .select_related("case", "township", "created_by")
        .annotate(message_count=Count("messages"))
        .order_by("-created_at", "-pk")
    )


def query_get_for_user(*, user: User, pk: int) -> Query:
    return get_object_or_404(
        _scoped(Query.objects.all(), user).select_related("case", "township", "filing"), pk=pk
    )


# --- spot checks ---------------------------------------------------------------------------
def campaign_list_for_user(*, user: User) -> QuerySet[SpotCheckCampaign]:
    return (
        _county_only(SpotCheckCampaign.objects.all(), user)
        .select_related("created_by")
        .annotate(
            n_items=Count("items", distinct=True),
            n_done=Count("items", filter=~Q(items__outcome=""), distinct=True),
            n_problem=Count(
                "items", filter=Q(items__outcome=SpotCheckItem.Outcome.PROBLEM), distinct=True
            ),
        )
        .order_by("-created_at", "-pk")
    )


def campaign_get_for_user(*, user: User, pk: int) -> SpotCheckCampaign:
    return get_object_or_404(_county_only(SpotCheckCampaign.objects.all(), user), pk=pk)


def spot_check_item_list_for_user(*, user: User) -> QuerySet[SpotCheckItem]:
    """County staff see their county's items; a township sees the results about its own
    cases once recorded."""
    qs = _scoped(SpotCheckItem.objects.all(), user).select_related(
        "case", "case__assistance_type", "township", "assignee", "campaign"
    )
    if not (is_county_staff(user) or user.is_superuser):
        qs = qs.exclude(outcome="")
    return qs


def spot_check_item_get_for_user(*, user: User, pk: int) -> SpotCheckItem:
    return get_object_or_404(spot_check_item_list_for_user(user=user), pk=pk)


def county_staff_for_user(*, user: User) -> QuerySet[User]:
    return (
        # region_id=None (a user without a region) filters IS NULL; the stubs want a value.
        User.objects.filter(region_id=user.region_id, is_active=True)  # type: ignore[misc]
        .filter(
            Q(role__in=(Role.COUNTY_SUPERVISOR, Role.COUNTY_VERIFIER))
            | Q(extra_role__in=(Role.COUNTY_SUPERVISOR, Role.COUNTY_VERIFIER))
        )
        .order_by("username")
    )


# --- rectification, complaints, delegation ---------------------------------------------------
def rectification_list_for_user(*, user: User) -> QuerySet[RectificationOrder]:
    return _scoped(RectificationOrder.objects.all(), user).select_related(
        "township", "case", "issued_by"
    )


def rectification_get_for_user(*, user: User, pk: int) -> RectificationOrder:
    return get_object_or_404(rectification_list_for_user(user=user), pk=pk)


def complaint_list_for_user(*, user: User) -> QuerySet[Complaint]:
    """Reports are county business: the reporter's identity never reaches a township."""
    return _county_only(Complaint.objects.all(), user).select_related(
        "case", "township", "assignee"
    )


def complaint_get_for_user(*, user: User, pk: int) -> Complaint:
    return get_object_or_404(complaint_list_for_user(user=user), pk=pk)


def delegation_list_for_user(*, user: User) -> QuerySet[Delegation]:
    return (
        _scoped(Delegation.objects.all(), user)
        .select_related("township", "assistance_type")
        .prefetch_related("events__actor")
    )


def delegation_get_for_user(*, user: User, pk: int) -> Delegation:
    return get_object_or_404(delegation_list_for_user(user=user), pk=pk)


# --- statistics ------------------------------------------------------------------------------
def _pct(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def supervision_stats(*, user: User, date_from: datetime.date, date_to: datetime.date) -> dict:
    """Per township of the user's county: decisions by type and result (filings), on-time
    rate of the decisions, spot-check coverage and problem rate by kind, open and overdue
    rectifications, complaints. A fixed number of queries whatever the data size."""

    townships = list(townships_for_user(user).order_by("code"))
    categories = [c for c in AssistanceType.Category]
    rows = {t.pk: {"township": t, "decisions": defaultdict(int), "total": 0} for t in townships}

    # (from the filing tally, which check_summaries proves equal to a recount)
    filings = (
        FilingTally.objects.filter(
            township_id__in=[t.pk for t in townships], decided_on__range=(date_from, date_to)
        )
        .values("township_id", "assistance_type__category", "kind")
        .annotate(n=Sum("n"))
        .order_by()
    )
    for r in filings:
        if not r["n"]:
            continue
        row = rows[r["township_id"]]
        row["decisions"][(r["assistance_type__category"], r["kind"])] += r["n"]
        row["total"] += r["n"]

    # On time: the case clock records whether the decision met its limit (one selector for
    # every screen that shows the rate).
    on_time = on_time_counts(townships=townships, date_from=date_from, date_to=date_to)

    # Newly confirmed and still standing: the same population the spot-check frame samples.

    # (from the decided-state summary of cases/stats, which check_summaries proves)
    confirmed_by = decided_in_states(
        townships=townships, date_from=date_from, date_to=date_to, states=CONFIRMED_STATES
    )
    items = (
        SpotCheckItem.objects.filter(
            township__in=townships, case__decided_on__range=(date_from, date_to)
        )
        .values("township_id", "outcome", "problem_kind")
        .annotate(n=Count("case_id", distinct=True))
    )
    sampled: defaultdict[int, int] = defaultdict(int)
    visited: defaultdict[int, int] = defaultdict(int)
    problems: defaultdict[int, defaultdict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in items:
        sampled[r["township_id"]] += r["n"]
        if r["outcome"]:
            visited[r["township_id"]] += r["n"]
        if r["outcome"] == SpotCheckItem.Outcome.PROBLEM:
            problems[r["township_id"]][r["problem_kind"]] += r["n"]

    rect = (
        RectificationOrder.objects.filter(township__in=townships)
        .values("township_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=RectificationOrder.OPEN_STATUSES)),
            overdue=Count(
                "pk", filter=Q(status__in=RectificationOrder.OPEN_STATUSES, overdue=True)
            ),
            issued=Count("pk", filter=Q(issued_at__date__range=(date_from, date_to))),
        )
    )
    rect_by = {r["township_id"]: r for r in rect}
    comp = (
        Complaint.objects.filter(township__in=townships, received_on__range=(date_from, date_to))
        .values("township_id")
        .annotate(
            total=Count("pk"),
            substantiated=Count("pk", filter=Q(result__in=["substantiated", "partly"])),
        )
    )
    comp_by = {r["township_id"]: r for r in comp}

    out = []
    for t in townships:
        row = rows[t.pk]
        n_problems = sum(problems[t.pk].values())
        ot = on_time.get(t.pk, (0, 0))
        out.append(
            {
                "township": t,
                "total": row["total"],
                "by_category": [
                    {
                        "category": c.label,
                        "confirmed": row["decisions"][(c.value, Filing.Kind.CONFIRMATION)],
                        "refused": row["decisions"][(c.value, Filing.Kind.REFUSAL)],
                        "terminated": row["decisions"][(c.value, Filing.Kind.TERMINATION)],
                        "revoked": row["decisions"][(c.value, Filing.Kind.REVOCATION)],
                    }
                    for c in categories
                ],
                "on_time": ot[0],
                "on_time_of": ot[1],
                "on_time_rate": _pct(ot[0], ot[1]),
                "confirmed": confirmed_by.get(t.pk, 0),
                "sampled": sampled[t.pk],
                "visited": visited[t.pk],
                "coverage": _pct(sampled[t.pk], confirmed_by.get(t.pk, 0)),
                "problems": n_problems,
                "problem_rate": _pct(n_problems, visited[t.pk]),
                "problems_by_kind": {k.label: problems[t.pk][k.value] for k in ProblemKind},
                "rect_open": rect_by.get(t.pk, {}).get("open", 0),
                "rect_overdue": rect_by.get(t.pk, {}).get("overdue", 0),
                "rect_issued": rect_by.get(t.pk, {}).get("issued", 0),
                "complaints": comp_by.get(t.pk, {}).get("total", 0),
                "complaints_substantiated": comp_by.get(t.pk, {}).get("substantiated", 0),
            }
        )
    # Figures other apps register (relief/statistics.py), e.g. 发放金额 from the rosters.
    figures = township_figures(user=user, date_from=date_from, date_to=date_to)
    for row in out:
        row["figures"] = [
            values.get(row["township"].pk, figure.empty) for figure, values in figures
        ]
    return {
        "rows": out,
        "figure_labels": [figure.label for figure, _values in figures],
        "categories": [c.label for c in categories],
        "problem_kinds": [k.label for k in ProblemKind],
        "date_from": date_from,
        "date_to": date_to,
    }


def township_regions(*, user: User) -> QuerySet[Region]:
    return townships_for_user(user).order_by("code")
