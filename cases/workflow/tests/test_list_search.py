"""The list search: case number, any member's name or ID number; a term of three characters
or more matches anywhere, a shorter one from the start; on PostgreSQL the migration's
trigram and pattern indexes serve it."""

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from cases.workflow.tests.helpers import make_case
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
