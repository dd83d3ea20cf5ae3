"""cases_case keeps no single-column index that a composite index already leads with
(issue 17: most of a case INSERT's cost was index maintenance): township, village,
assistance type and state are each the first column of a composite index, and the case
number's prefix search is served by the unique number's own pattern index on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.models import Case

COVERED = ("township_id", "village_id", "assistance_type_id", "state", "decided_on")


def _indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    return {
        name: c["columns"]
        for name, c in constraints.items()
        if c["index"] and not c["primary_key"] and not c["unique"]
    }


@pytest.mark.django_db
def test_no_single_column_index_where_a_composite_leads_with_the_column():
    indexes = _indexes()
    singles = {cols[0] for cols in indexes.values() if len(cols) == 1}
    leading = {cols[0] for cols in indexes.values() if len(cols) > 1}
    for column in COVERED:
        assert column not in singles, column
        assert column in leading, column


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_number_prefix_is_served_by_the_unique_numbers_pattern_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case'")
        defs = dict(cursor.fetchall())
    pattern = [d for d in defs.values() if "(number varchar_pattern_ops)" in d]
    assert len(pattern) == 1  # Django's _like of the unique number; no second copy
    assert not [d for d in defs.values() if "(state varchar_pattern_ops)" in d]


@pytest.mark.django_db
def test_the_flags_are_indexed_for_the_flagged_cases_only():
    """Issue 14: an unflagged case (each review case a campaign inserts) is in no flag
    index; the flagged cases are in partial indexes (for the lists' ``flag = True``)."""
    leading = {cols[0] for cols in _indexes().values()}
    assert "near_relative_flag" not in leading and "complaint_flag" not in leading
    conditions = {i.name: i.condition for i in Case._meta.indexes if i.condition is not None}
    assert set(conditions) >= {"case_near_relative_flagged", "case_complaint_flagged"}
    if connection.vendor != "postgresql":
        return
    # The database's own definition: partial on the flag, as the model declares (a plan on
    # the test's near-empty table may take any index, so the planner is not asked).
    with connection.cursor() as cursor:
        for flag, name in (
            ("near_relative_flag", "case_near_relative_flagged"),
            ("complaint_flag", "case_complaint_flagged"),
        ):
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
            (definition,) = cursor.fetchone()
            assert definition.split(" WHERE ", 1)[1].strip("() ") == flag, definition


@pytest.mark.django_db
def test_the_user_columns_carry_no_index_and_keep_their_foreign_keys():
    """Issue 14: nothing looks cases up by the user who registered or accepted them (users
    are deactivated, never deleted), so the two columns have no index, one entry less each
    per case inserted; the references themselves are still checked by the database."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    for column in ("created_by_id", "accepted_by_id"):
        assert not [n for n, c in constraints.items() if c["index"] and c["columns"] == [column]]
        assert [n for n, c in constraints.items() if c["foreign_key"] and c["columns"] == [column]]


@pytest.mark.django_db
def test_a_new_undecided_case_and_its_running_clock_skip_the_decided_only_indexes():
    """Issue 14: the spot-check frame indexes decided cases only and the clocks' decision
    date stopped clocks only (a campaign's new cases and clocks get no entry); the clocks'
    never-filtered ``unconfirmed`` flag has no index; the shared policy snapshot is a
    checked reference without an index (nothing looks cases up by it)."""
    from cases.models import CaseClock

    conditions = {
        i.name: i.condition
        for model in (Case, CaseClock)
        for i in model._meta.indexes
        if i.condition is not None
    }
    assert set(conditions) >= {"case_decided_frame", "clock_stopped_on"}
    with connection.cursor() as cursor:
        clocks = connection.introspection.get_constraints(cursor, CaseClock._meta.db_table)
        cases = connection.introspection.get_constraints(cursor, Case._meta.db_table)
    assert not [n for n, c in clocks.items() if c["index"] and c["columns"] == ["unconfirmed"]]
    assert not [n for n, c in cases.items() if c["index"] and c["columns"] == ["policy_shared_id"]]
    assert [
        n for n, c in cases.items() if c["foreign_key"] and c["columns"] == ["policy_shared_id"]
    ]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, column in (
            ("case_decided_frame", "decided_on"),
            ("clock_stopped_on", "stopped_on"),
        ):
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
            (definition,) = cursor.fetchone()
            assert definition.split(" WHERE ", 1)[1].strip("() ") == f"{column} IS NOT NULL"
        # The due date: indexed for running clocks only, no full index beside.
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'cases_caseclock'")
        due = [d for (d,) in cursor.fetchall() if "(overall_due)" in d]
        assert due and all(" WHERE " in d for d in due), due
