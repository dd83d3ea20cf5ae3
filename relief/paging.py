"""Pages of long lists whose cost does not grow with the table.

- The count is exact up to ``COUNT_CAP`` rows and "1万+" above: one ``COUNT(*)`` over at
  most 10,001 index entries instead of a whole county on every request.
- ``?page=N`` pages by offset (the first pages, links from elsewhere); the "next" and
  "previous" links page by keyset from there on: ``?after=<cursor>`` starts after the last
  row shown, ``(created_at, id) < (t, id)``, so page 500 reads the same 20 index entries
  as page 1 on an index ``(scope, created_at DESC, id DESC)``.

Keyset paging applies to the lists' default order (newest first); a list sorted otherwise
pages by offset, still with the capped count.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.functional import cached_property
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000
#: The default order of the case, filing and notification lists (their keyset).
NEWEST_FIRST = ("-created_at", "-id")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def capped_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): the exact number of rows up to ``cap`` (COUNT_CAP), else (cap, False)."""
    cap = COUNT_CAP if cap is None else cap
    n = qs.order_by()[: cap + 1].count()
    return (n, True) if n <= cap else (cap, False)


def count_label(count: int, exact: bool) -> str:
    """ "1万+" above the cap (10,000 = 1万), the number otherwise."""
    if exact:
        return f"{count}"
    return f"{count // 10_000}万+" if count % 10_000 == 0 else f"{count}+"


def encode_cursor(number: int, row, time_field: str = "created_at") -> str:
    """The cursor of page ``number`` that starts after (or, as ``before``, ends before) ``row``."""
    moment = getattr(row, time_field)
    micros = (moment - EPOCH) // datetime.timedelta(microseconds=1)
    return f"{number}.{micros}.{row.pk}"


def decode_cursor(cursor: str) -> tuple[int, datetime.datetime, int] | None:
    try:
        number, micros, pk = (int(p) for p in cursor.split("."))
    except (TypeError, ValueError):
        return None
    if number < 1 or pk < 1:
        return None
    moment = EPOCH + datetime.timedelta(microseconds=micros)
    return number, moment, pk


@dataclass
class ListPage:
    """One page of a list; iterate it for the rows. ``next_query`` / ``previous_query`` are
    the query strings of the neighbouring pages (other parameters kept)."""

    rows: list
    number: int
    per_page: int
    count: int
    count_exact: bool
    has_next: bool
    next_query: str = ""
    previous_query: str = ""
    keyset: bool = False
    extra: dict = field(default_factory=dict)

    def __iter__(self) -> Iterator:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def object_list(self) -> list:
        return self.rows

    @property
    def paginator(self) -> ListPage:
        """Itself: the page carries the count (templates written for Django's Page)."""
        return self

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.count_exact)

    @property
    def num_pages(self) -> int | None:
        """Pages in all, when the count is exact."""
        return max(1, math.ceil(self.count / self.per_page)) if self.count_exact else None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0


def _query(params: QueryDict | None, **values) -> str:
    query = params.copy() if params is not None else QueryDict(mutable=True)
    for key in ("page", "after", "before"):
        query.pop(key, None)
    for key, value in values.items():
        query[key] = str(value)
    return query.urlencode()


def list_page(
    qs: QuerySet,
    *,
    params: QueryDict | None,
    per_page: int,
    ordering: Sequence[str] = NEWEST_FIRST,
    time_field: str = "created_at",
    counted: tuple[int, bool] | None = None,
) -> ListPage:
    """The page of ``qs`` that ``params`` asks for (``page``, ``after`` or ``before``).
    ``qs`` is ordered by ``ordering``; keyset paging is used when that is newest first
    on ``time_field`` (a non-null column) and the primary key. ``counted`` is (count, exact)
    when the caller has it from elsewhere (a summary table); else the capped count runs."""
    keyset = tuple(ordering) == (f"-{time_field}", "-id")
    qs = qs.order_by(*ordering)
    count, exact = capped_count(qs) if counted is None else counted
    params = params if params is not None else QueryDict()
    after = decode_cursor(params.get("after", "")) if keyset else None
    before = decode_cursor(params.get("before", "")) if keyset and not after else None
    if after:
        number, moment, pk = after
        rows = list(
            qs.filter(**{f"{time_field}__lte": moment}).filter(
                Q(**{f"{time_field}__lt": moment}) | Q(**{time_field: moment, "pk__lt": pk})
            )[: per_page + 1]
        )
        has_next = len(rows) > per_page
        rows = rows[:per_page]
    elif before:
        number, moment, pk = before
        newer = (
            qs.filter(**{f"{time_field}__gte": moment})
            .filter(Q(**{f"{time_field}__gt": moment}) | Q(**{time_field: moment, "pk__gt": pk}))
            .order_by(time_field, "pk")[:per_page]
        )
        rows = list(reversed(list(newer)))
        has_next = True
        if len(rows) < per_page or number < 1:
            number = 1
            rows = list(qs[:per_page])
    else:
        try:
            number = max(1, int(params.get("page", 1)))
        except (TypeError, ValueError):
            number = 1
        if exact and number > 1:
            number = min(number, max(1, math.ceil(count / per_page)))
        offset = (number - 1) * per_page
        rows = list(qs[offset : offset + per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
    page = ListPage(
        rows=rows,
        number=number,
        per_page=per_page,
        count=count,
        count_exact=exact,
        has_next=has_next,
        keyset=keyset,
    )
    if has_next and rows:
        page.next_query = (
            _query(params, after=encode_cursor(number + 1, rows[-1], time_field))
            if keyset
            else _query(params, page=number + 1)
        )
    if number > 1:
        page.previous_query = (
            _query(params, before=encode_cursor(number - 1, rows[0], time_field))
            if keyset and number > 2 and rows
            else _query(params, page=number - 1)
        )
    return page


class _CappedPage(Page):
    paginator: CappedPaginator

    def has_next(self) -> bool:
        if self.paginator.count_exact:
            return super().has_next()
        return len(self.object_list) == self.paginator.per_page


class CappedPaginator(Paginator):
    """Django's paginator with the capped count: pages by offset and never counts past the
    cap; beyond it a page is served as long as it has rows ("next" while a page is full)."""

    count_exact: bool

    @cached_property
    def count(self) -> int:
        count, self.count_exact = capped_count(cast(QuerySet, self.object_list))
        return count

    @property
    def count_label(self) -> str:
        return count_label(self.count, self.count_exact)

    def validate_number(self, number):
        if self.count and self.count_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("页码必须是整数") from None
        if number < 1:
            raise EmptyPage("页码小于 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.count_exact and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)

    def _get_page(self, *args, **kwargs):
        return _CappedPage(*args, **kwargs)


class CappedPageNumberPagination(PageNumberPagination):
    """``?page=N`` for the API with the capped count (``count_exact`` says which)."""

    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_exact": paginator.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {"type": "boolean"}
        return schema


class NewestFirstCursorPagination(CursorPagination):
    """The list APIs: newest first by cursor (``?cursor=…``), as the pages do by keyset;
    ``count`` is capped (``count_exact`` false above 10,000). A request with ``ordering`` or
    ``page`` gets offset pages instead (CappedPageNumberPagination). A view's
    ``page_window(reverse=, position=, k=)`` may return the ids of a set that holds the
    page's ``k`` rows after the cursor's position (or None to read the page as usual), and
    its ``page_count()`` the (count, exact) of all the rows (or None to count them, capped)."""

    ordering = NEWEST_FIRST
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.offset_pages = None
        if request.query_params.get("ordering") or request.query_params.get("page"):
            self.offset_pages = CappedPageNumberPagination()
            self.offset_pages.page_size = self.get_page_size(request)
            return self.offset_pages.paginate_queryset(queryset, request, view)
        count_of = getattr(view, "page_count", None)
        counted = count_of() if count_of is not None else None
        self.count, self.count_exact = counted or capped_count(queryset)
        # A view may name a set of ids that holds the page (``page_window``: e.g. the case
        # list filtered on 超期 read from the summary marks); counted before, over all rows.
        window = getattr(view, "page_window", None)
        if window is not None:
            cursor = self.decode_cursor(request)
            offset, reverse, position = cursor if cursor is not None else (0, False, None)
            ids = window(
                reverse=reverse, position=position, k=offset + self.get_page_size(request) + 1
            )
            if ids is not None:
                queryset = queryset.filter(pk__in=ids)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        if self.offset_pages is not None:
            return self.offset_pages.get_paginated_response(data)
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"] = {"type": "integer", "example": 123}
        schema["properties"]["count_exact"] = {"type": "boolean"}
        return schema
