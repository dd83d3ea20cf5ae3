"""The case list filtered on 超期 / 临期 reads its page's ids from the summary marks
(filters.flagged_window): the same rows in the same order as the list's own row query,
forward and back, by keyset and by offset, for each role, with or without a state."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseClock, TallyMark
from cases.stats.services import compare, retally_case
from cases.workflow import selectors
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401

STATES = ["accepted", "review", "checking"]


@pytest.fixture
def flagged(demo):
    """96 cases over two townships (the first village of each), three states, running
    clocks overdue, due soon or neither (and some with no clock), created in pairs at the
    same moment (the id breaks the tie)."""
    today = timezone.localdate()
    start = timezone.now() - datetime.timedelta(days=30)
    made = []
    for i in range(96):
        case = make_case(demo.gushu if i % 3 else demo.wuxi)
        Case.objects.filter(pk=case.pk).update(
            state=STATES[i % 3], created_at=start + datetime.timedelta(hours=i // 2)
        )
        if i % 4 != 3:
            CaseClock.objects.create(
                case=case,
                started_on=today,
                limit_wd=30,
                limit_max_wd=60,
                overall_due=today,
                due_soon_from=today,
                overdue=i % 4 in (0, 1) and i % 5 != 0,
                due_soon=i % 4 == 2 or i % 5 == 0,
            )
        retally_case(case.pk)
        made.append(case)
    return made


def _old(user, params: dict) -> list[int]:
    """The list's rows as its own row query orders them (no marks)."""
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    filterset = selectors.case_page_list_for_user(user=user, params=data)
    assert filterset.is_valid()
    return list(filterset.qs.order_by("-created_at", "-id").values_list("pk", flat=True))


def _walk(client, params: dict, per_page: int = 10):
    url = reverse("cases:list")
    query = "&".join(
        f"{k}={x}" for k, v in params.items() for x in (v if isinstance(v, list) else [v])
    )
    pages, query = [], f"{query}&per_page={per_page}"
    while True:
        page = client.get(f"{url}?{query}").context["page_obj"]
        pages.append(page)
        if not page.has_next:
            return pages
        query = page.next_query


@pytest.mark.parametrize("username", ["clerk", "supervisor", "assistant"])
@pytest.mark.parametrize(
    "params",
    [
        {"overdue": "yes"},
        {"overdue": "yes", "state": "review"},
        {"overdue": "yes", "state": ["review", "accepted"]},
        {"overdue": "soon"},
        {"overdue": "soon", "state": "checking"},
    ],
)
def test_the_marks_page_the_same_rows_forward_and_back(demo, client, flagged, username, params):
    user = demo.user(username)
    client.force_login(user)
    expected = _old(user, params)
    assert expected or username == "assistant" and "state" in params
    pages = _walk(client, params)
    assert len(pages) >= (1 if username == "assistant" or "state" in params else 3)
    assert [c.pk for p in pages for c in p] == expected
    assert [p.count for p in pages] == [len(expected)] * len(pages)
    for i in range(1, len(pages)):  # back by keyset (before=…) and by offset (page=…)
        back = client.get(reverse("cases:list") + "?" + pages[i].previous_query)
        assert [c.pk for c in back.context["page_obj"]] == [c.pk for c in pages[i - 1]]
        by_offset = client.get(reverse("cases:list"), {**params, "per_page": 10, "page": i + 1})
        assert [c.pk for c in by_offset.context["page_obj"]] == [c.pk for c in pages[i]]


def test_the_page_names_its_ids_read_from_the_marks(demo, client, flagged):
    client.force_login(demo.user("supervisor"))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("cases:list"), {"overdue": "yes", "per_page": 10})
    page = page.context["page_obj"]
    marks = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_tallymark"' in q["sql"]]
    assert marks and all("cases_case" not in sql for sql in marks)
    rows = [q["sql"] for q in ctx.captured_queries if "LIMIT 11" in q["sql"]]
    named = re.search(r'"cases_case"\."id" IN \(([^)]*)\)', rows[-1])
    assert named and len(named.group(1).split(",")) <= 11 and len(page) == 10


def test_another_filter_keeps_the_lists_own_row_query(demo, client, flagged):
    user = demo.user("supervisor")
    client.force_login(user)
    params = {"overdue": "yes", "flagged": "any"}
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("cases:list"), params)
    assert not [q for q in ctx.captured_queries if 'FROM "cases_tallymark"' in q["sql"]]


def test_the_mark_keeps_the_cases_registration_time(demo, flagged):
    case = flagged[0]
    mark = TallyMark.objects.get(case=case)
    assert mark.created_at == Case.objects.get(pk=case.pk).created_at
    assert compare() == []
    TallyMark.objects.filter(case=case).update(created_at=mark.created_at - datetime.timedelta(1))
    assert any("created_at" in line for line in compare())


def _api_walk(client, params: dict, *, page_size: int = 10) -> list[dict]:
    """Every page of the list API, following ``next`` from the first page."""
    pages, url = [], "/api/cases/"
    response = client.get(url, {**params, "page_size": page_size})
    while True:
        assert response.status_code == 200, response.content
        pages.append(response.json())
        if not pages[-1]["next"]:
            return pages
        response = client.get(pages[-1]["next"])


@pytest.mark.parametrize("username", ["clerk", "supervisor", "assistant"])
@pytest.mark.parametrize(
    "params",
    [
        {"overdue": "yes"},
        {"overdue": "soon", "state": "checking"},
        {"overdue": "yes", "state": "review"},
    ],
)
def test_the_api_reads_its_cursor_pages_from_the_marks(
    demo, client, flagged, username, params, monkeypatch
):
    """Each cursor page of the API, forward and back (``previous``), has the rows the
    list's own row query has, in its order, and the count of them all; the page's rows
    are read by the ids the marks name (a set that holds the page)."""
    from cases.workflow import apis

    user = demo.user(username)
    client.force_login(user)
    expected = _old(user, params)
    windows: list[list[int] | None] = []
    real = apis.flagged_cursor_window

    def spy(*args, **kwargs):
        windows.append(real(*args, **kwargs))
        return windows[-1]

    monkeypatch.setattr(apis, "flagged_cursor_window", spy)
    pages = _api_walk(client, params)
    assert [r["id"] for p in pages for r in p["results"]] == expected
    assert {p["count"] for p in pages} == {len(expected)}
    assert len(windows) == len(pages) and all(w is not None for w in windows)
    assert all(len(w) <= 11 for w in windows)
    for i in range(1, len(pages)):
        back = client.get(pages[i]["previous"]).json()
        assert [r["id"] for r in back["results"]] == [r["id"] for r in pages[i - 1]["results"]]


def test_the_api_keeps_its_own_row_query_for_another_filter_or_an_order(demo, client, flagged):
    client.force_login(demo.user("supervisor"))
    for params in ({"overdue": "yes", "flagged": "any"}, {"overdue": "yes", "ordering": "number"}):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/cases/", params).status_code == 200
        assert not [q for q in ctx.captured_queries if 'FROM "cases_tallymark"' in q["sql"]]
