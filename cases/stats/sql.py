"""Set-based SQL that refills the summary tables from the base tables: used by
``rebuild_summaries`` and by the migration that fills them on an existing database (so it
imports no model)."""

from __future__ import annotations

from collections.abc import Callable

REBUILD_MARKS_SQL = """
INSERT INTO cases_tallymark (case_id, township_id, village_id, assistance_type_id, state,
                             started_on, decided_on, elapsed_wd, on_time)
SELECT c.id, c.township_id, c.village_id, c.assistance_type_id, c.state,
       CASE WHEN k.case_id IS NOT NULL AND k.stopped_on IS NULL THEN k.started_on END,
       CASE WHEN c.decided_on IS NOT NULL AND k.on_time IS NOT NULL THEN c.decided_on END,
       CASE WHEN c.decided_on IS NOT NULL AND k.on_time IS NOT NULL
            THEN COALESCE(k.elapsed_wd, 0) END,
       CASE WHEN c.decided_on IS NOT NULL THEN k.on_time END
FROM cases_case c LEFT JOIN cases_caseclock k ON k.case_id = c.id
"""
REBUILD_TALLIES_SQL = [
    """INSERT INTO cases_statetally (township_id, village_id, assistance_type_id, state, n)
       SELECT township_id, village_id, assistance_type_id, state, COUNT(*)
       FROM cases_tallymark GROUP BY township_id, village_id, assistance_type_id, state""",
    """INSERT INTO cases_opentally (township_id, assistance_type_id, state, started_on, n)
       SELECT township_id, assistance_type_id, state, started_on, COUNT(*)
       FROM cases_tallymark WHERE started_on IS NOT NULL
       GROUP BY township_id, assistance_type_id, state, started_on""",
    """INSERT INTO cases_decisiontally
              (township_id, assistance_type_id, decided_on, elapsed_wd, on_time, n)
       SELECT township_id, assistance_type_id, decided_on, elapsed_wd, on_time, COUNT(*)
       FROM cases_tallymark WHERE decided_on IS NOT NULL
       GROUP BY township_id, assistance_type_id, decided_on, elapsed_wd, on_time""",
]


def rebuild_sql(execute: Callable[[str], object]) -> None:
    """Refill marks and summaries from the base tables with set-based SQL (shared with the
    data migration): ``execute(sql)`` runs one statement."""
    for table in ("cases_statetally", "cases_opentally", "cases_decisiontally", "cases_tallymark"):
        execute(f"DELETE FROM {table}")
    execute(REBUILD_MARKS_SQL)
    for sql in REBUILD_TALLIES_SQL:
        execute(sql)
