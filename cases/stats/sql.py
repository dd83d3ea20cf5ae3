"""Set-based SQL that refills the summary tables from the base tables: used by
``rebuild_summaries`` and by the migration that fills them on an existing database (so it
imports no model)."""

from __future__ import annotations

from collections.abc import Callable

REBUILD_MARKS_SQL = """
INSERT INTO cases_tallymark (case_id, township_id, village_id, assistance_type_id, state,
                             started_on, decided_on, elapsed_wd, on_time,
                             overdue, due_soon, paused, accepted_on, closed_on, late,
                             case_decided_on)
SELECT c.id, c.township_id, c.village_id, c.assistance_type_id, c.state,
       CASE WHEN k.case_id IS NOT NULL AND k.stopped_on IS NULL THEN k.started_on END,
       CASE WHEN c.decided_on IS NOT NULL AND k.on_time IS NOT NULL THEN c.decided_on END,
       CASE WHEN c.decided_on IS NOT NULL AND k.on_time IS NOT NULL
            THEN COALESCE(k.elapsed_wd, 0) END,
       CASE WHEN c.decided_on IS NOT NULL THEN k.on_time END,
       CASE WHEN k.case_id IS NOT NULL AND k.stopped_on IS NULL THEN k.overdue END,
       CASE WHEN k.case_id IS NOT NULL AND k.stopped_on IS NULL THEN k.due_soon END,
       CASE WHEN k.case_id IS NOT NULL AND k.stopped_on IS NULL
            THEN k.paused_at IS NOT NULL END,
       k.started_on,
       CASE WHEN k.on_time IS NOT NULL THEN k.stopped_on END,
       CASE WHEN k.on_time IS NOT NULL THEN NOT k.on_time END,
       c.decided_on
FROM cases_case c LEFT JOIN cases_caseclock k ON k.case_id = c.id
"""
#: The open-clock summary from the marks (also after the daily scan moved the flags).
REBUILD_OPEN_SQL = """INSERT INTO cases_opentally
              (township_id, assistance_type_id, state, started_on, overdue, due_soon, paused, n)
       SELECT township_id, assistance_type_id, state, started_on, overdue, due_soon, paused,
              COUNT(*)
       FROM cases_tallymark WHERE started_on IS NOT NULL
       GROUP BY township_id, assistance_type_id, state, started_on, overdue, due_soon, paused"""
#: After the daily scan: the marks of running clocks whose overdue / due-soon flag moved.
REFRESH_FLAGS_SQL = """UPDATE cases_tallymark SET
  overdue = (SELECT k.overdue FROM cases_caseclock k WHERE k.case_id = cases_tallymark.case_id),
  due_soon = (SELECT k.due_soon FROM cases_caseclock k WHERE k.case_id = cases_tallymark.case_id)
WHERE started_on IS NOT NULL AND EXISTS (
  SELECT 1 FROM cases_caseclock k
  WHERE k.case_id = cases_tallymark.case_id
    AND (k.overdue <> cases_tallymark.overdue OR k.due_soon <> cases_tallymark.due_soon))"""
REBUILD_TALLIES_SQL = [
    """INSERT INTO cases_statetally (township_id, village_id, assistance_type_id, state, n)
       SELECT township_id, village_id, assistance_type_id, state, COUNT(*)
       FROM cases_tallymark GROUP BY township_id, village_id, assistance_type_id, state""",
    REBUILD_OPEN_SQL,
    """INSERT INTO cases_decisiontally
              (township_id, assistance_type_id, decided_on, elapsed_wd, on_time, n)
       SELECT township_id, assistance_type_id, decided_on, elapsed_wd, on_time, COUNT(*)
       FROM cases_tallymark WHERE decided_on IS NOT NULL
       GROUP BY township_id, assistance_type_id, decided_on, elapsed_wd, on_time""",
    """INSERT INTO cases_decidedstatetally (township_id, assistance_type_id, decided_on, state, n)
       SELECT township_id, assistance_type_id, case_decided_on, state, COUNT(*)
       FROM cases_tallymark WHERE case_decided_on IS NOT NULL
       GROUP BY township_id, assistance_type_id, case_decided_on, state""",
]


def rebuild_sql(execute: Callable[[str], object]) -> None:
    """Refill marks and summaries from the base tables with set-based SQL (shared with the
    data migration): ``execute(sql)`` runs one statement."""
    for table in (
        "cases_statetally",
        "cases_opentally",
        "cases_decisiontally",
        "cases_throughputtally",
        "cases_decidedstatetally",
        "cases_tallymark",
    ):
        execute(f"DELETE FROM {table}")
    execute(REBUILD_MARKS_SQL)
    for sql in REBUILD_TALLIES_SQL:
        execute(sql)
    # (the monthly throughput is grouped by month with the ORM's TruncMonth, which every
    # backend spells differently: rebuild_throughput)
