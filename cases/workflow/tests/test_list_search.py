"""The list search: case number, any member's name or ID number; a term of three characters
or more matches anywhere, a shorter one from the start; on PostgreSQL the migration's
trigram and pattern indexes serve it."""

import importlib
import re

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.workflow import filters, selectors
from cases.workflow.tests.helpers import fast_passwords, make_case  # noqa: F401
from relief import paging
from tests.factories import MemberFactory

search_migration = importlib.import_module("cases.migrations.0004_search_trigram_indexes")


def found(client, q: str) -> set[str]:
    response = client.get(reverse("cases:list"), {"q": q})
    assert response.status_code == 200
    return {c.number for c in response.context["page_obj"]}


@pytest.fixture
def searchable(demo, client):
    case = make_case(demo.gushu)
    MemberFactory(household=case.household, name="欧阳建国", id_number="34052119800101123X")
    other = make_case(demo.gushu)
    client.force_login(demo.user("clerk"))
    return case, other


def test_any_members_name_anywhere_from_three_characters(client, searchable):
    case, other = searchable
    assert found(client, "阳建国") == {case.number}


def test_a_short_term_matches_names_from_the_start(client, searchable):
    case, _ = searchable
    assert found(client, "欧阳") == {case.number}
    assert found(client, "建国") == set()


def test_an_id_number_or_its_tail_finds_the_case_whatever_the_x(client, searchable):
    case, _ = searchable
    assert found(client, "34052119800101123X") == {case.number}
    assert found(client, "0101123x") == {case.number}


def test_a_case_number_or_part_of_it_finds_the_case(client, searchable):
    case, other = searchable
    assert found(client, case.number) == {case.number}
    assert other.number not in found(client, case.number)


def test_the_search_stays_in_the_users_region(demo, client, searchable):
    elsewhere = make_case(demo.wuxi)
    MemberFactory(household=elsewhere.household, name="欧阳建国")
    assert elsewhere.number not in found(client, "欧阳建国")


@pytest.mark.postgres
def test_the_migration_builds_trigram_and_pattern_indexes_on_postgresql(db):
    with connection.schema_editor() as editor:
        editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        search_migration.add_search_indexes(apps, editor)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE %s", ["%_trgm"]
            )
            defs = dict(cursor.fetchall())
        assert {"case_number_trgm", "member_name_trgm", "member_id_number_trgm"} <= set(defs)
        assert all("gin_trgm_ops" in d and "USING gin" in d for d in defs.values())
    finally:
        with connection.schema_editor() as editor:
            search_migration.remove_search_indexes(apps, editor)


def _old_search(queryset, value: str):
    """The search before ids-first: the UNION folded into the row query."""
    return queryset.filter(pk__in=filters.case_ids_matching(value))


@pytest.fixture
def many(demo):
    made = []
    for i, name in enumerate(["王建国", "王建军", "李建国", "王小明", "欧阳建"] * 3):
        case = make_case(demo.gushu if i % 2 else demo.wuxi)
        MemberFactory(household=case.household, name=name, id_number=f"3405211980010{i:04d}X")
        made.append(case)
    return made


@pytest.mark.parametrize("username", ["clerk", "supervisor"])
def test_ids_first_finds_exactly_what_the_folded_search_found(demo, many, username):
    user = demo.user(username)
    terms = ["王建", "建国", "王", "欧阳建", "0001", "3405211980010", many[3].number, "无此人"]
    terms += [many[0].number[:4]]
    base = selectors.case_page_list_for_user(user=user).queryset.order_by("-created_at", "-id")
    found = {}
    for term in terms:
        before = list(_old_search(base, term).values_list("pk", flat=True))
        after = list(filters.search_cases(base, term).values_list("pk", flat=True))
        assert after == before, term
        found[term] = len(after)
    assert found["无此人"] == 0 and found["王"] > found["王建"] > 0 and found[many[3].number] == 1


def test_a_term_matching_more_than_the_cap_keeps_the_subquery(demo, many, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    base = selectors.case_page_list_for_user(user=demo.user("supervisor")).queryset
    narrowed = filters.search_cases(base, "王")
    assert "UNION" in str(narrowed.query)  # too broad for a list of ids
    assert set(narrowed) == set(_old_search(base, "王"))
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    assert "UNION" not in str(filters.search_cases(base, "王").query)


@pytest.mark.parametrize("username", ["clerk", "supervisor"])
def test_a_search_costs_what_the_list_costs_its_ids_giving_the_count(demo, client, many, username):
    client.force_login(demo.user(username))
    url = reverse("cases:list")
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as plain:
        client.get(url)
    with CaptureQueriesContext(connection) as searched:
        response = client.get(url, {"q": "王建"})
    page = response.context["page_obj"]
    base = selectors.case_page_list_for_user(user=demo.user(username)).queryset
    assert (page.count, page.count_exact) == (_old_search(base, "王建").count(), True)
    assert page.count > 0
    # the ids query replaces the page's COUNT: the search adds no query to the list
    assert len(searched.captured_queries) == len(plain.captured_queries) == 12
    counts = [
        q for q in searched.captured_queries if "COUNT(" in q["sql"] and "cases_case" in q["sql"]
    ]
    assert not counts
    rows = [q["sql"] for q in searched.captured_queries if "UNION" in q["sql"]]
    assert len(rows) == 1  # the match runs once, on its own, not inside the page or its count
    # the ids query joins at most the region of the scoping, not the list's tables
    assert rows[0].split("WHERE")[0].count(" JOIN ") <= 1


def test_a_search_with_other_filters_counts_only_the_cases_both_keep(demo, client, many):
    from cases.workflow.tests.helpers import go

    go(many[1], "accept", "clerk", opinion="材料齐全")  # 王建军, 姑孰
    client.force_login(demo.user("supervisor"))
    response = client.get(reverse("cases:list"), {"q": "王建", "state": "accepted"})
    page = response.context["page_obj"]
    assert [c.pk for c in page] == [many[1].pk]
    assert (page.count, page.count_exact) == (1, True)
    both = client.get(reverse("cases:list"), {"q": "王建", "state": ["accepted", "draft"]})
    base = selectors.case_page_list_for_user(user=demo.user("supervisor")).queryset
    expected = _old_search(base.filter(state__in=["accepted", "draft"]), "王建").count()
    assert both.context["page_obj"].count == expected > 1


def test_the_state_filter_reads_without_distinct(demo, client, many):
    client.force_login(demo.user("clerk"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("cases:list"), {"state": ["draft", "accepted"]})
    rows = [q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert rows and not [sql for sql in rows if "DISTINCT" in sql]


def test_a_searchs_pages_name_a_page_of_ids_and_walk_every_match_once(demo, client, many):
    for i, case in enumerate(many):
        MemberFactory(household=case.household, name="王小" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"[i])
    user = demo.user("supervisor")
    client.force_login(user)
    base = selectors.case_page_list_for_user(user=user).queryset.order_by("-created_at", "-id")
    expected = list(_old_search(base, "王小").values_list("pk", flat=True))
    assert len(expected) >= 15
    seen, query, pages = [], "q=王小&per_page=10", []
    while True:
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("cases:list") + "?" + query).context["page_obj"]
        rows = [q["sql"] for q in ctx.captured_queries if "LIMIT 11" in q["sql"]]
        named = re.search(r'"cases_case"\."id" IN \(([^)]*)\)', rows[0])
        assert len(rows) == 1 and named and len(named.group(1).split(",")) <= 11
        assert (page.count, page.count_exact) == (len(expected), True)
        seen += [c.pk for c in page]
        pages.append(page)
        if not page.has_next:
            break
        query = page.next_query
    assert seen == expected
    # back by keyset (before=…) and by offset (page=2): the same rows as on the way
    back = client.get(reverse("cases:list") + "?" + pages[1].previous_query).context["page_obj"]
    assert [c.pk for c in back] == [c.pk for c in pages[0]]
    second = client.get(reverse("cases:list"), {"q": "王小", "per_page": 10, "page": 2})
    assert [c.pk for c in second.context["page_obj"]] == [c.pk for c in pages[1]]


def test_the_search_window_keeps_to_the_page_asked_for():
    import datetime

    t = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    rows = [(100 - i, t - datetime.timedelta(minutes=i)) for i in range(30)]
    params = QueryDict(mutable=True)
    assert filters.search_window(rows, params, 10) == [r[0] for r in rows[:11]]
    params["after"] = paging.encode_cursor(2, type("R", (), {"created_at": rows[9][1], "pk": 91})())
    assert filters.search_window(rows, params, 10) == [r[0] for r in rows[10:21]]
    params = QueryDict(mutable=True)
    params["page"] = "3"
    assert filters.search_window(rows, params, 10) == [r[0] for r in rows]


@pytest.mark.parametrize("username", ["clerk", "supervisor"])
def test_a_search_past_its_count_cap_reads_newest_first_and_says_plus(
    demo, client, many, monkeypatch, username
):
    monkeypatch.setattr(filters, "SEARCH_COUNT_CAP", 3)
    user = demo.user(username)
    client.force_login(user)
    base = selectors.case_page_list_for_user(user=user).queryset.order_by("-created_at", "-id")
    expected = list(_old_search(base, "王").values_list("pk", flat=True))
    assert len(expected) > 3
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("cases:list"), {"q": "王", "per_page": 10}).context["page_obj"]
    assert (page.count, page.count_exact, page.count_label) == (3, False, "3+")
    # the page reads the region newest first with the match as a condition, no id list
    (rows,) = [q["sql"] for q in ctx.captured_queries if "LIMIT 11" in q["sql"]]
    assert '"cases_case"."id" IN (' not in rows and '"household_id" IN (' in rows
    seen = [c.pk for c in page]
    while page.has_next:
        page = client.get(reverse("cases:list") + "?" + page.next_query).context["page_obj"]
        seen += [c.pk for c in page]
    assert seen == expected
