"""Set-based SQL that refills the summary tables from the base tables: used by
``rebuild_summaries`` and by the migration that fills them on an existing database (so it
imports no model)."""

from __future__ import annotations

from collections.abc import Callable

#: The mark of each case (from the case and its clock): the one definition, read by the
#: rebuild and by ``count_new_cases``.
MARK_COLUMNS = """case_id, township_id, village_id, assistance_type_id, state,
                             started_on, decided_on, elapsed_wd, on_time,
                             overdue, due_soon, paused, accepted_on, closed_on, late,
                             case_decided_on, created_at"""
MARK_EXPRS_SQL = """c.id, c.township_id, c.village_id, c.assistance_type_id, c.state,
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
       c.decided_on, c.created_at"""
MARK_SELECT_SQL = f"""SELECT {MARK_EXPRS_SQL}
FROM cases_case c LEFT JOIN cases_caseclock k ON k.case_id = c.id"""
REBUILD_MARKS_SQL = f"""
INSERT INTO cases_tallymark ({MARK_COLUMNS})
{MARK_SELECT_SQL}
"""

#: Each summary counted from the marks: its table, its key columns, the mark expressions
#: grouped into them, and which marks it counts.
TALLIES: list[tuple[str, str, str, str]] = [
    (
        "cases_statetally",
        "township_id, village_id, assistance_type_id, state",
        "township_id, village_id, assistance_type_id, state",
        "TRUE",
    ),
    (
        "cases_opentally",
        "township_id, assistance_type_id, state, started_on, overdue, due_soon, paused",
        "township_id, assistance_type_id, state, started_on, overdue, due_soon, paused",
        "started_on IS NOT NULL",
    ),
    (
        "cases_decisiontally",
        "township_id, assistance_type_id, decided_on, elapsed_wd, on_time",
        "township_id, assistance_type_id, decided_on, elapsed_wd, on_time",
        "decided_on IS NOT NULL",
    ),
    (
        "cases_decidedstatetally",
        "township_id, assistance_type_id, decided_on, state",
        "township_id, assistance_type_id, case_decided_on, state",
        "case_decided_on IS NOT NULL",
    ),
]


def tally_sql(table: str, keys: str, exprs: str, where: str, *, source: str) -> str:
    """``INSERT … SELECT … COUNT(*) … GROUP BY`` of one summary from the marks in
    ``source`` (the mark table, or a CTE of marks just inserted)."""
    return (
        f"INSERT INTO {table} ({keys}, n) SELECT {exprs}, COUNT(*) FROM {source} "
        f"WHERE {where} GROUP BY {exprs}"
    )


REBUILD_TALLIES_SQL = [tally_sql(*t, source="cases_tallymark") for t in TALLIES]
#: The open-clock summary from the marks (also after the daily scan moved the flags).
REBUILD_OPEN_SQL = REBUILD_TALLIES_SQL[1]
#: After the daily scan: the marks of running clocks whose overdue / due-soon flag moved.
REFRESH_FLAGS_SQL = """UPDATE cases_tallymark SET
  overdue = (SELECT k.overdue FROM cases_caseclock k WHERE k.case_id = cases_tallymark.case_id),
  due_soon = (SELECT k.due_soon FROM cases_caseclock k WHERE k.case_id = cases_tallymark.case_id)
WHERE started_on IS NOT NULL AND EXISTS (
  SELECT 1 FROM cases_caseclock k
  WHERE k.case_id = cases_tallymark.case_id
    AND (k.overdue <> cases_tallymark.overdue OR k.due_soon <> cases_tallymark.due_soon))"""


def _upsert(sql: str, table: str, keys: str) -> str:
    return f"{sql} ON CONFLICT ({keys}) DO UPDATE SET n = {table}.n + excluded.n"


#: PostgreSQL, one statement: the marks of the cases whose ids are the one array parameter
#: (distinct; driven from the array, so each case, clock and mark is an index lookup
#: whatever the statistics of tables filled in the same transaction) and that have no mark
#: yet (ON CONFLICT on the mark's key: one index probe a case, where a NOT EXISTS let the
#: planner, trusting statistics that said the marks were empty, pick a nested-loop anti-join
#: rescanning the marks once per case: 90–110 s for a first 100,000-case campaign), and
#: each summary (the monthly throughput with PostgreSQL's DATE_TRUNC) raised by the counts
#: of exactly those marks (``RETURNING`` of the insert).
COUNT_NEW_CASES_SQL = (
    f"""WITH new AS (
INSERT INTO cases_tallymark ({MARK_COLUMNS})
SELECT {MARK_EXPRS_SQL}
FROM unnest(%s::bigint[]) AS i (id)
     JOIN cases_case c ON c.id = i.id
     LEFT JOIN cases_caseclock k ON k.case_id = c.id
ON CONFLICT (case_id) DO NOTHING
RETURNING *)"""
    + "".join(
        f",\nt{i} AS ({_upsert(tally_sql(*t, source='new'), t[0], t[1])} RETURNING 1)"
        for i, t in enumerate(TALLIES)
    )
    + """,
throughput AS (INSERT INTO cases_throughputtally (township_id, assistance_type_id, kind, month, n)
  SELECT new.township_id, new.assistance_type_id, v.kind, DATE_TRUNC('month', v.day)::date,
         COUNT(*)
  FROM new CROSS JOIN LATERAL (VALUES ('accepted', new.accepted_on),
                                      ('decided', new.closed_on),
                                      ('late', CASE WHEN new.late THEN new.closed_on END))
       AS v (kind, day)
  WHERE v.day IS NOT NULL
  GROUP BY new.township_id, new.assistance_type_id, v.kind, DATE_TRUNC('month', v.day)::date
  ON CONFLICT (township_id, assistance_type_id, kind, month)
  DO UPDATE SET n = cases_throughputtally.n + excluded.n RETURNING 1)
SELECT COUNT(*) FROM new"""
)


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
