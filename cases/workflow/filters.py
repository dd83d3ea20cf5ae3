"""Filters of the case list, shared by the page and the API (django-filter)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import django_filters
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import QueryDict

from cases.models import Case, CaseState, Member, TallyMark
from cases.rules import facts_ready_q
from relief import paging
from relief.models import AssistanceType, Region
from relief.scoping import region_q, townships_for_user, villages_for_user


def _townships(request):
    return townships_for_user(request.user) if request else Region.objects.none()


def _villages(request):
    return villages_for_user(request.user) if request else Region.objects.none()


#: A search term this long or longer matches anywhere (pg_trgm indexes on PostgreSQL); a
#: shorter one has no trigram, so it matches from the start (the pattern btree indexes):
#: a surname and the first given character, the first digits of a number.
CONTAINS_FROM = 3


def _match_lookup(value: str) -> str:
    return "contains" if len(value) >= CONTAINS_FROM else "startswith"


def matching_households(value: str):
    """Ids of the households one of whose members' name or ID number matches ``value``: a
    UNION of the name's and the ID number's own index lookups (an OR of the two is a
    bitmap scan that reads every matching member's row; apart, a name's start is read
    from its index alone, which carries the household)."""
    lookup = _match_lookup(value)
    upper = value.upper()  # ID numbers end in a digit or X
    members = Member.objects.order_by()
    by_name = members.filter(**{f"name__{lookup}": value}).values("household_id")
    by_id_number = members.filter(**{f"id_number__{lookup}": upper}).values("household_id")
    return by_name.union(by_id_number)


def case_ids_matching(value: str):
    """Ids of the cases whose number, or one of whose household members' name or ID
    number, matches ``value``: one UNION of index lookups, the same shape for the page and
    its count (no OR across joins, which no index serves)."""
    lookup = _match_lookup(value)
    upper = value.upper()  # case numbers are digits
    by_number = Case.objects.filter(**{f"number__{lookup}": upper}).order_by().values("pk")
    by_member = (
        Case.objects.filter(household_id__in=matching_households(value)).order_by().values("pk")
    )
    return by_number.union(by_member)


def _ids_cap(db: str) -> int:
    """How many matching ids the search hands on as a list: the list's count cap, less on a
    backend that takes few query parameters (Django's SQLite declares 999)."""
    limit = connections[db].features.max_query_params
    return paging.COUNT_CAP if limit is None else min(paging.COUNT_CAP, limit - 100)


#: A search counts its matching cases exactly up to this many ("1000+" above): counting
#: them is one index lookup each (member → household → case), so a common name in a large
#: county would cost what its thousands of matches cost.
SEARCH_COUNT_CAP = 1_000


def matched_rows(queryset, value: str, limit: int) -> list[tuple[int, datetime.datetime]]:
    """Up to ``limit`` (id, created_at) of the cases of ``queryset`` (the user's region and
    the other filters) that ``value`` finds, in no order: the cases of the matching number,
    UNION ALL the cases of the matching members' households, each side scoped on its own
    so that each is one index lookup (member name/ID number → case by household), never a
    walk over the region's cases, and the LIMIT stops the lookups (a UNION would first
    gather every match to drop duplicates). A case found both ways comes twice."""
    plain = queryset.order_by().values("pk", "created_at")
    lookup = _match_lookup(value)
    by_number = plain.filter(**{f"number__{lookup}": value.upper()})
    by_member = plain.filter(household_id__in=matching_households(value))
    rows = by_number.union(by_member, all=True)[:limit]
    return [(row["pk"], row["created_at"]) for row in rows]


def matching_q(value: str) -> Q:
    """The search as one condition on the cases: the number, or the household among the
    matching members' (an IN inside an OR: PostgreSQL hashes the households once and reads
    the region's cases newest first until a page is full)."""
    lookup = _match_lookup(value)
    return Q(**{f"number__{lookup}": value.upper()}) | Q(
        household_id__in=matching_households(value)
    )


@dataclass
class Search:
    """A search of the list: ``narrowed`` is ``base`` (the region's cases the other filters
    kept) limited to the matching cases, ``counted`` their (count, exact); ``rows`` the
    matching (id, created_at) newest first, when they are no more than the cap (None
    above it)."""

    narrowed: QuerySet
    counted: tuple[int, bool]
    base: QuerySet
    rows: list[tuple[int, datetime.datetime]] | None
    value: str = ""  # the term searched

    @property
    def newest_first(self) -> QuerySet:
        """Past the cap, for the page newest first: ``base`` with the match as one
        condition (``matching_q``), read newest first until a page is full. (``narrowed``
        keeps the ids' UNION for the other readers, whose capped count it serves.)"""
        return self.base.filter(matching_q(self.value))


def search_cases(queryset, value: str):
    """``queryset`` narrowed to the cases ``value`` finds, ids first: the matching ids of the
    user's region are read on their own (index lookups, no joins), then the list pages on
    ``pk IN (ids)``. Folding the UNION into the list's row query, with its joins, lets
    the planner (past ``join_collapse_limit``) scan the whole table: 5 s on 1M cases against
    12 ms for the match alone. A term matching more cases than the cap keeps the subquery
    (its page is still exact; the list page reads ``Search.newest_first`` instead)."""
    return search_cases_counted(queryset, value).narrowed


def search_cases_counted(queryset, value: str) -> Search:
    """As ``search_cases``, with the count of the matching cases taken from the ids read
    (exact up to ``SEARCH_COUNT_CAP``, else the cap and not exact), so the page needs no
    COUNT, and the matching ids newest first within the cap."""
    cap = min(SEARCH_COUNT_CAP, _ids_cap(queryset.db))
    found = matched_rows(queryset, value, cap + 1)
    if len(found) > cap:
        narrowed = queryset.filter(pk__in=case_ids_matching(value))
        return Search(narrowed, (cap, False), queryset, None, value)
    rows = sorted(set(found), key=lambda r: (r[1], r[0]), reverse=True)
    ids = [pk for pk, _ in rows]
    return Search(queryset.filter(pk__in=ids), (len(ids), True), queryset, rows, value)


def search_window(
    rows: list[tuple[int, datetime.datetime]], params: QueryDict, per_page: int
) -> list[int]:
    """The ids, among a search's ``rows`` (newest first), that the newest-first page which
    ``params`` asks for can show (relief.paging.list_page: ``after``, ``before`` or
    ``page``), so the page's row query names a page of ids, not thousands: PostgreSQL
    plans ``id IN`` 5,000 literals for ~30 ms."""
    after = paging.decode_cursor(params.get("after", ""))
    before = paging.decode_cursor(params.get("before", "")) if not after else None
    if after:
        _, moment, pk = after
        rest = [r for r in rows if (r[1], r[0]) < (moment, pk)]
        return [r[0] for r in rest[: per_page + 1]]
    if before:
        _, moment, pk = before
        newer = [r for r in rows if (r[1], r[0]) > (moment, pk)]
        # list_page falls back to the first page when fewer than a page are newer
        return [r[0] for r in newer[-per_page:] + rows[:per_page]]
    try:
        number = max(1, int(params.get("page", 1)))
    except (TypeError, ValueError):
        number = 1
    return [r[0] for r in rows[: number * per_page + 1]]


#: The 超期 / 临期 choices of the list and their condition on the summary marks (each has
#: a partial index by township and by village, state, created_at DESC, case_id DESC).
FLAG_MARKS = {"yes": Q(overdue=True), "soon": Q(due_soon=True, overdue=False)}
#: Filters the marks can answer (the other filters keep the list's own row query).
MARK_FILTERS = frozenset({"state", "assistance_type", "township", "village", "overdue"})
#: At most this many index walks (region unit × state) are read as one UNION ALL.
MAX_ARMS = 200


def _mark_keys(marks: QuerySet, *, after: tuple | None, before: tuple | None, k: int):
    """Up to ``k`` (case_id, created_at) of ``marks`` newest first (or, with ``before``,
    the ``k`` oldest newer than it), after / before the keyset cursor (created_at, id)."""
    if after:
        _, moment, pk = after
        marks = marks.filter(created_at__lte=moment).filter(
            Q(created_at__lt=moment) | Q(created_at=moment, case_id__lt=pk)
        )
    elif before:
        _, moment, pk = before
        marks = marks.filter(created_at__gte=moment).filter(
            Q(created_at__gt=moment) | Q(created_at=moment, case_id__gt=pk)
        )
    order = ("created_at", "case_id") if before else ("-created_at", "-case_id")
    return marks.order_by(*order).values_list("case_id", "created_at")[:k]


def _read_keys(arms: list[QuerySet], k: int, *, ascending: bool) -> list[tuple]:
    """The first ``k`` keys of the arms' keys together (each arm already in order): on a
    backend that slices the members of a compound statement (PostgreSQL), one UNION ALL
    of the arms, each one walk of a partial index; elsewhere the arms are one query."""
    order = ("created_at", "case_id") if ascending else ("-created_at", "-case_id")
    if len(arms) == 1:
        return list(arms[0])
    union = arms[0].union(*arms[1:], all=True).order_by(*order)[:k]
    return list(union)


def flagged_window(
    marks: QuerySet,
    units: tuple[str, list[int]] | None,
    states: list[str],
    params: QueryDict,
    per_page: int,
) -> list[int] | None:
    """The ids of the cases that the newest-first page of a list filtered on 超期 / 临期
    which ``params`` asks for (relief.paging.list_page: ``after``, ``before`` or ``page``)
    can show, read from the summary marks (``marks``: the user's region, the flag and the
    other filters), as ``search_window`` does for a search: the page's row query then
    names these ids only. Walking the region's cases newest first and checking each one's
    clock read ~9,000 review cases at 1M before a page of overdue ones (the newest are not
    overdue yet). ``units`` (the region's townships or villages, as field and ids) and
    ``states`` split the read into one walk of a partial index per unit and state, merged
    in one UNION ALL (PostgreSQL): a county's page is then a few index probes whatever its
    number of overdue cases. None when an offset page would need more ids than a query
    may name (the list then reads its page as before)."""
    after = paging.decode_cursor(params.get("after", ""))
    before = paging.decode_cursor(params.get("before", "")) if not after else None
    if after:
        k = per_page + 1
    elif before:
        k = per_page
    else:
        try:
            number = max(1, int(params.get("page", 1)))
        except (TypeError, ValueError):
            number = 1
        k = number * per_page + 1
        if k > _ids_cap(marks.db):
            return None

    def read(*, after, before, k) -> list[tuple]:
        return _flagged_keys(
            marks,
            units,
            states,
            k=k,
            ascending=before is not None,
            keys=lambda arm: _mark_keys(arm, after=after, before=before, k=k),
        )

    if before:
        newer = read(after=None, before=before, k=per_page)
        ids = [pk for pk, _ in newer]
        if len(newer) < per_page:
            # list_page falls back to the first page when fewer than a page are newer
            ids += [pk for pk, _ in read(after=None, before=None, k=per_page)]
        return ids
    return [pk for pk, _ in read(after=after, before=None, k=k)]


def _flagged_keys(marks, units, states, *, k: int, ascending: bool, keys) -> list[tuple]:
    """The first ``k`` keys (case_id, created_at) of ``marks`` in the list's order, read as
    one walk of a partial index per region unit and state (``keys`` turns one arm into its
    ordered, sliced keys) merged in one UNION ALL where the backend can, else as one query."""
    arms = [marks]
    compound = connections[marks.db].features.supports_slicing_ordering_in_compound
    if compound and units is not None and states:
        field, ids = units
        if 1 < len(ids) * len(states) <= MAX_ARMS:
            arms = [marks.filter(**{field: u}, state=s) for u in ids for s in states]
    return _read_keys([keys(a) for a in arms], k, ascending=ascending)


def flagged_cursor_window(
    marks: QuerySet,
    units: tuple[str, list[int]] | None,
    states: list[str],
    *,
    reverse: bool,
    position: str | None,
    k: int,
) -> list[int] | None:
    """For the list API's cursor pages (relief.paging.NewestFirstCursorPagination, DRF's
    cursor: the rows strictly older than ``position`` — newer with ``reverse`` —, then an
    offset, then the page): the ids of the ``k`` first such cases of the marks, a set that
    holds the API's page, so the page's row query names these ids only (as the list page's
    ``flagged_window``). None when ``k`` is more ids than a query may name."""
    if k > _ids_cap(marks.db):
        return None

    def keys(arm: QuerySet):
        if position is not None:
            arm = arm.filter(**{"created_at__gt" if reverse else "created_at__lt": position})
        order = ("created_at", "case_id") if reverse else ("-created_at", "-case_id")
        return arm.order_by(*order).values_list("case_id", "created_at")[:k]

    return [pk for pk, _ in _flagged_keys(marks, units, states, k=k, ascending=reverse, keys=keys)]


class ChineseOrderingFilter(django_filters.OrderingFilter):
    """Sort choices labelled in Chinese, the descending one included."""

    descending_fmt = "%s（倒序）"


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="编号/姓名/身份证号")
    # distinct=False: one state per case, no join, so no DISTINCT (which sorted every row
    # of the region before the LIMIT instead of reading the newest-first index)
    state = django_filters.MultipleChoiceFilter(
        choices=CaseState.choices, label="状态", distinct=False
    )
    assistance_type = django_filters.ModelChoiceFilter(
        queryset=AssistanceType.objects.filter(active=True),
        field_name="assistance_type",
        label="救助类型",
        empty_label="全部",
    )
    township = django_filters.ModelChoiceFilter(
        queryset=_townships, label="乡镇(街道)", empty_label="全部"
    )
    village = django_filters.ModelChoiceFilter(
        queryset=_villages, label="村(社区)", empty_label="全部"
    )
    flagged = django_filters.ChoiceFilter(
        choices=[("any", "任一标记"), ("near_relative", "近亲属备案"), ("complaint", "有投诉举报")],
        method="filter_flagged",
        label="标记",
        empty_label="全部",
    )
    overdue = django_filters.ChoiceFilter(
        choices=[("yes", "超期"), ("soon", "临期"), ("no", "未超期")],
        method="filter_overdue",
        label="时限",
        empty_label="全部",
    )
    progress = django_filters.ChoiceFilter(
        choices=[("facts_ready", "核对与入户已齐，待推进")],
        method="filter_progress",
        label="进度",
        empty_label="全部",
    )
    accepted_from = django_filters.DateFilter(
        field_name="accepted_on", lookup_expr="gte", label="受理日期从"
    )
    accepted_to = django_filters.DateFilter(
        field_name="accepted_on", lookup_expr="lte", label="受理日期至"
    )
    decided_from = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="gte", label="决定日期从"
    )
    decided_to = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="lte", label="决定日期至"
    )
    created_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="登记日期从"
    )
    created_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label="登记日期至"
    )
    ordering = ChineseOrderingFilter(
        fields=(
            ("created_at", "created"),
            ("accepted_on", "accepted"),
            ("decided_on", "decided"),
            ("updated_at", "updated"),
            ("number", "number"),
            ("state", "state"),
        ),
        # ascending labels are keyed by the model field, descending ones by "-" + the parameter
        field_labels={
            "created_at": "登记时间（最早在前）",
            "-created": "登记时间（最新在前）",
            "accepted_on": "受理日期（最早在前）",
            "-accepted": "受理日期（最新在前）",
            "decided_on": "决定日期（最早在前）",
            "-decided": "决定日期（最新在前）",
            "updated_at": "最近更新（最早在前）",
            "-updated": "最近更新（最新在前）",
            "number": "案件编号（从小到大）",
            "-number": "案件编号（从大到小）",
            "state": "状态",
            "-state": "状态（倒序）",
        },
        label="排序",
        empty_label="默认（最新登记在前）",
    )

    class Meta:
        model = Case
        fields: list[str] = []

    #: The search, when the list has one (``search_cases_counted``): its count, its ids.
    search: Search | None = None

    @property
    def counted(self) -> tuple[int, bool] | None:
        """(count, exact) of a search, read with its ids; None without one (the list
        counts as usual)."""
        return self.search.counted if self.search is not None else None

    def filter_queryset(self, queryset):
        """Every other filter first, the search last: its ids (and their count) are then
        read from the region's cases that the other filters kept."""
        data = self.form.cleaned_data
        for name, value in data.items():
            if name != "q":
                queryset = self.filters[name].filter(queryset, value)
        if "q" in data:
            queryset = self.filters["q"].filter(queryset, data["q"])
        return queryset

    def flagged_marks(self) -> tuple[QuerySet, tuple[str, list[int]] | None, list[str]] | None:
        """For a list filtered on 超期 / 临期 whose other filters the summary marks answer
        (``MARK_FILTERS``, the default order): the user's marks that the filters keep, the
        region's units (townships or villages, as field and ids) and the states, for
        ``flagged_window``. None otherwise (the list reads its page as before)."""
        if not (self.is_bound and self.is_valid()) or self.request is None:
            return None
        used = {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "", [])}
        used.pop("ordering", None)
        flag = used.get("overdue")
        if flag not in FLAG_MARKS or not set(used) <= MARK_FILTERS:
            return None
        user = self.request.user
        marks = TallyMark.objects.filter(FLAG_MARKS[flag])
        units: tuple[str, list[int]] | None
        if not user.is_authenticated:
            return None
        if region_q(user) == Q(pk__in=[]):
            return None  # sees no region (the list is empty as before)
        # The region's units from relief.scoping, as the list's own filters take them: a
        # village assistant's village, anyone else's townships (the county's, their own, or
        # every one for a superuser without a region).
        if user.region_id is not None and user.region.level == Region.Level.VILLAGE:
            units = ("village_id", list(villages_for_user(user).values_list("pk", flat=True)))
        else:
            units = ("township_id", list(townships_for_user(user).values_list("pk", flat=True)))
        marks = marks.filter(**{f"{units[0]}__in": units[1]})
        if "township" in used:
            marks = marks.filter(township_id=used["township"].pk)
            if units[0] == "township_id":
                units = ("township_id", [used["township"].pk])
        if "village" in used:
            marks = marks.filter(village_id=used["village"].pk)
            units = ("village_id", [used["village"].pk])
        if "assistance_type" in used:
            marks = marks.filter(assistance_type_id=used["assistance_type"].pk)
        states = list(used.get("state") or CaseState.values)
        if "state" in used:
            marks = marks.filter(state__in=states)
        return marks, units, states

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        self.search = search_cases_counted(queryset, value)
        return self.search.narrowed

    def filter_flagged(self, queryset, name, value):
        if value == "near_relative":
            return queryset.filter(near_relative_flag=True)
        if value == "complaint":
            return queryset.filter(complaint_flag=True)
        if value == "any":
            return queryset.filter(Q(near_relative_flag=True) | Q(complaint_flag=True))
        return queryset

    def filter_progress(self, queryset, name, value):
        if value == "facts_ready":
            return queryset.filter(facts_ready_q())
        return queryset

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        if value == "yes":
            return queryset.filter(clock__overdue=True)
        if value == "soon":
            return queryset.filter(clock__due_soon=True, clock__overdue=False)
        return queryset.filter(Q(clock__isnull=True) | Q(clock__overdue=False))
