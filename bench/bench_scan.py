"""Benchmark of the daily deadline scan: 1,000,000 cases of which 200,000 open.

Usage (PostgreSQL only; use a database of its own, it is rebuilt)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:5432/relief_bench \\
        SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \\
        .venv/bin/python bench/bench_scan.py [--sizes 100000,300000,1000000] [--open-ratio 0.2]

The database is created when missing and its schema rebuilt from the models (like the
test suite's --nomigrations); the name must contain "bench" unless --force. Rows are made
with INSERT … SELECT generate_series (no Python loop): cases spread over the demo county's
villages and three assistance types, 20% open at various stages (accepted 0–90 days ago),
the rest decided within the last two years. Every case has a stored clock, as accepted
cases do; due dates are approximated (limit ≈ 28 calendar days) because the scan only
compares stored dates and never calls the calendar.

For each size it prints three timings of ``cases.clocks.services.scan_deadlines``:
  cold   — every flag reset: all thresholds cross at once (worst case, most notifications)
  daily  — the scan run as of yesterday first, then today: a normal day's crossings
  repeat — the same scan again: nothing changes, nothing is sent (idempotence)
and a fourth, "next day": the scan of the day after, when besides that day's clock crossings
the scheduled reviews (funds.dynamic) whose due date enters the opening window are opened
as review cases inside the same scan. Every paying case is in the recipient register with
a review schedule (due dates spread over the year; --no-reviews leaves them out). The
next-day scan is rolled back, so the database stays as built: ``--reuse`` times the largest
size again on a database built by an earlier run (same --sizes, --open-ratio, --today),
without the rebuild (~4 minutes at 1M).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import sys
import time
from pathlib import Path

# Django and project modules are imported inside the functions, after ``django.setup()``
# (and after DATABASE_URL was checked); psycopg only for the database it creates.

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")


def ensure_database(url: str) -> None:
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    try:
        psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=5).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    admin = psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    admin.close()
    print(f"created database {cfg['NAME']}")


def literal_default(field, connection):
    """Value for a column the generator does not set: the model default, '' or NULL."""
    if field.has_default():
        return field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return None
    if field.get_internal_type() in ("CharField", "TextField", "SlugField"):
        return ""
    if field.get_internal_type() == "DateTimeField":
        from django.utils import timezone

        return field.get_db_prep_save(timezone.now(), connection)
    raise SystemExit(f"bench: no value for required column {field.model.__name__}.{field.column}")


def insert_select(model, exprs: dict[str, str], from_sql: str, params: list | None = None) -> int:
    """INSERT INTO model(columns) SELECT <exprs or defaults> FROM <from_sql>."""
    from django.db import connection

    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in exprs:
            continue
        columns.append(field.column)
        if field.column in exprs:
            values.append(exprs[field.column])
        else:
            values.append("%s")
            args.append(literal_default(field, connection))
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM {from_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, args + (params or []))
        return cursor.rowcount


#: The list search's PostgreSQL indexes live in a migration (PostgreSQL only); the schema
#: here is built from the models, so they are added from there.
SEARCH_MIGRATION = importlib.import_module("cases.migrations.0004_search_trigram_indexes")
#: A later migration drops one of them again on PostgreSQL (case_number_prefix: the unique
#: number's own pattern index serves the same prefix search); replayed here too.
INDEX_DIET_MIGRATION = importlib.import_module(
    "cases.migrations.0018_clock_alert_indexes_and_case_index_diet"
)


def add_search_indexes() -> list[str]:
    """pg_trgm, then the migrations' own ``add_search_indexes`` and ``drop_number_prefix``
    on the rebuilt schema, so it has the search indexes a migrated database has; answers
    their names."""
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with connection.schema_editor() as editor:
        SEARCH_MIGRATION.add_search_indexes(apps, editor)
        INDEX_DIET_MIGRATION.drop_number_prefix(apps, editor)
    wanted = [index.name for _model, index in SEARCH_MIGRATION.SEARCH_INDEXES]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY(%s)",
            [wanted],
        )
        present = sorted(row[0] for row in cursor.fetchall())
    trigram = [name for name in wanted if name.endswith("_trgm")]
    assert set(trigram) <= set(present), (present, wanted)
    return present


def rebuild_schema() -> None:
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
    call_command("migrate", run_syncdb=True, verbosity=0)
    from relief.demo import seed_regions_and_accounts

    seed_regions_and_accounts()


OPEN_STATES = [
    "accepted",
    "checking",
    "visiting",
    "evaluating",
    "pre_notice",
    "review",
    "county_review",
]


def add_cases(start: int, end: int, *, open_every: int, today: datetime.date) -> None:
    """Cases start..end (inclusive) with their clocks, by INSERT … SELECT generate_series."""
    from cases.models import Case, CaseClock, Household
    from relief.models import AssistanceType

    types = list(
        AssistanceType.objects.filter(
            code__in=["dibao_rural", "tekun_dispersed", "temp_expense"]
        ).values_list("pk", flat=True)
    )
    if start == 1:
        insert_select(
            Household,
            {
                "township_id": "v.parent_id",
                "village_id": "v.id",
                "address": "'幸福路' || g::text || '号'",
                "hukou_type": "'rural'",
            },
            "generate_series(1, 20000) g JOIN LATERAL (SELECT id, parent_id FROM relief_region "
            "WHERE level = 'village' ORDER BY id OFFSET mod(g, 16) LIMIT 1) v ON true",
        )
    open_states = "ARRAY[" + ", ".join(f"'{s}'" for s in OPEN_STATES) + "]"
    is_open = f"(mod(g, {open_every}) = 0)"
    accepted = (
        f"(DATE '{today.isoformat()}' - CASE WHEN {is_open} THEN mod(g / {open_every}, 90) "
        "ELSE 30 + mod(g, 700) END)"
    )
    insert_select(
        Case,
        {
            "number": "'B' || lpad(g::text, 9, '0')",
            "household_id": "hh.ids[1 + mod(g, hh.n)]",
            "assistance_type_id": f"(ARRAY[{', '.join(str(t) for t in types)}]::bigint[])"
            "[1 + mod(g, 3)]",
            "township_id": "vil.tws[1 + mod(g, vil.n)]",
            "village_id": "vil.ids[1 + mod(g, vil.n)]",
            "state": f"CASE WHEN {is_open} THEN ({open_states})"
            f"[1 + mod(g / {open_every}, {len(OPEN_STATES)})] "
            "WHEN mod(g, 9) = 1 THEN 'refused' ELSE 'paying' END",
            "accepted_on": accepted,
            "decided_on": f"CASE WHEN {is_open} THEN NULL ELSE {accepted} + mod(g, 40) END",
            "route": "'township'",
            "documents_complete": "true",
        },
        "generate_series(%s, %s) g, "
        "(SELECT array_agg(id ORDER BY id) ids, count(*) n FROM cases_household) hh, "
        "(SELECT array_agg(id ORDER BY id) ids, array_agg(parent_id ORDER BY id) tws, count(*) n "
        " FROM relief_region WHERE level = 'village') vil",
        [start, end],
    )
    insert_select(
        CaseClock,
        {
            "case_id": "k.id",
            "started_on": "k.accepted_on",
            "limit_wd": "20",
            "limit_max_wd": "45",
            "overall_due": "k.accepted_on + 28",
            "due_soon_from": "k.accepted_on + 24",
            "stopped_on": "k.decided_on",
            "elapsed_wd": "CASE WHEN k.decided_on IS NULL THEN NULL "
            "ELSE (k.decided_on - k.accepted_on) * 5 / 7 END",
            "on_time": "CASE WHEN k.decided_on IS NULL THEN NULL "
            "ELSE k.decided_on <= k.accepted_on + 28 END",
            "step_kind": "CASE WHEN k.decided_on IS NULL AND mod(k.id / 450, 3) = 0 "
            "THEN 'check_start' ELSE '' END",
            "step_started_on": "CASE WHEN k.decided_on IS NULL AND mod(k.id / 450, 3) = 0 "
            "THEN k.accepted_on + 2 END",
            "step_due": "CASE WHEN k.decided_on IS NULL AND mod(k.id / 450, 3) = 0 "
            "THEN k.accepted_on + 7 END",
        },
        "cases_case k WHERE k.number BETWEEN %s AND %s",
        [f"B{start:09d}", f"B{end:09d}"],
    )


def add_recipients(start: int, end: int, *, today: datetime.date) -> None:
    """The paying cases start..end in the register (funds.Recipient) with a review schedule
    each (funds.dynamic.ReviewSchedule), due dates spread evenly over the coming year from
    ``today`` (so a day's scan finds ~1/365 of them entering the opening window), by
    INSERT … SELECT: the daily scan's scheduled reviews (funds.dynamic, folded into the scan
    through cases.clocks.hooks.deadline_scan_started) run over a real-size register."""
    from funds.dynamic.models import ReviewSchedule
    from funds.recipients.models import Recipient

    insert_select(
        Recipient,
        {
            "case_id": "k.id",
            "household_id": "k.household_id",
            "assistance_type_id": "k.assistance_type_id",
            "township_id": "k.township_id",
            "village_id": "k.village_id",
            "area": "'rural'",
            "status": "'active'",
            "monthly_amount": "(300 + mod(k.id, 50) * 10)::numeric(12, 2)",
            "covered_count": "1",
            "first_month": "date_trunc('month', k.decided_on)::date",
            "head_name": "'户主' || k.id::text",
            "head_id_number": "'340521' || lpad(k.id::text, 12, '0')",
        },
        "cases_case k WHERE k.number BETWEEN %s AND %s AND k.state = 'paying'",
        [f"B{start:09d}", f"B{end:09d}"],
    )
    insert_select(
        ReviewSchedule,
        {
            "recipient_id": "r.id",
            "interval_months": "CASE WHEN mod(r.id, 4) = 0 THEN 6 ELSE 12 END",
            "basis": "'家庭收入稳定，每年复核一次'",
            # The opening window (review_open_ahead_days, 30 by default) is left empty on
            # ``today``: the bench's days after it are ordinary days of the year.
            "next_due": f"DATE '{today.isoformat()}' + 31 + mod(r.id, 365)::int",
        },
        "funds_recipient r JOIN cases_case k ON k.id = r.case_id WHERE k.number BETWEEN %s AND %s",
        [f"B{start:09d}", f"B{end:09d}"],
    )


def reused_size(size: int) -> int:
    """--reuse: the database must hold the ``size`` bench cases of an earlier run and
    nothing a next-day scan committed (runs before the next-day scan was rolled back)."""
    from cases.models import Case

    bench = Case.objects.filter(number__startswith="B").count()
    others = Case.objects.exclude(number__startswith="B").count()
    if bench != size or others:
        raise SystemExit(
            f"bench_scan --reuse: the database holds {bench:,} bench cases (not {size:,}) and "
            f"{others:,} other cases (review cases an older run's next-day scan opened); "
            "run once without --reuse"
        )
    return size


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def reset_flags() -> None:
    from cases.models import CaseClock
    from relief.models import Notification

    Notification.objects.filter(dedupe_key__startswith="clock:").delete()
    CaseClock.objects.update(
        due_soon=False,
        overdue=False,
        step_overdue=False,
        notified_due_soon_for=None,
        notified_overdue_for=None,
        notified_step_for=None,
    )


STATEMENTS: list[tuple[float, str]] = []


def _timing_wrapper(execute, sql, params, many, context):
    t0 = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        STATEMENTS.append((time.perf_counter() - t0, " ".join(sql.split())[:110]))


def timed_scan(today: datetime.date, *, show_statements: bool = False):
    from django.db import connection

    from cases.clocks.services import scan_deadlines

    STATEMENTS.clear()
    t0 = time.perf_counter()
    with connection.execute_wrapper(_timing_wrapper):
        result = scan_deadlines(today=today)
    elapsed = time.perf_counter() - t0
    if show_statements:
        for seconds, sql in STATEMENTS:
            print(f"      {seconds:6.3f}s {sql}")
    return elapsed, result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--open-ratio", type=float, default=0.2)
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument(
        "--statements", action="store_true", help="print each statement's time (cold run)"
    )
    parser.add_argument(
        "--no-reviews",
        dest="reviews",
        action="store_false",
        help="no recipient register and review schedules beside the cases",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the largest size on the cases an earlier run built (no rebuild)",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print(
            "bench_scan: set DATABASE_URL=postgres://…/relief_bench (PostgreSQL only)",
            file=sys.stderr,
        )
        return 2
    if "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        print(
            "bench_scan: the database is rebuilt; use one named *bench* (or --force)",
            file=sys.stderr,
        )
        return 2
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 50)
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection, transaction

    from cases.models import CaseClock, TallyMark
    from cases.stats.services import rebuild_summaries

    sizes = sorted(int(s) for s in args.sizes.split(","))
    today = datetime.date.fromisoformat(args.today)
    open_every = max(1, round(1 / args.open_ratio))
    print(
        f"PostgreSQL {connection.cursor().connection.info.server_version}, today={today}, "
        f"1 in {open_every} cases open"
    )
    built = 0
    if args.reuse:
        built = reused_size(max(sizes))
        sizes = [built]
        from bench.bench_pages import add_missing_indexes

        with connection.cursor() as cursor:  # (a model's trigram index needs it)
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        # the tables, columns and indexes the models gained since the rows were built
        print(f"reusing the rows built; {add_missing_indexes()} tables, columns, indexes added")
    else:
        t0 = time.perf_counter()
        rebuild_schema()
        print(f"schema rebuilt in {time.perf_counter() - t0:.1f}s")
    rows = []
    for size in sizes:
        t0 = time.perf_counter()
        if size > built:
            add_cases(built + 1, size, open_every=open_every, today=today)
            if args.reviews:
                add_recipients(built + 1, size, today=today)
            built = size
            rebuild_summaries()  # the rows went in by SQL: the marks the scan keeps in step
        elif not TallyMark.objects.exists():
            rebuild_summaries()  # (a database built before the bench filled the marks)
        vacuum()
        running = CaseClock.objects.filter(stopped_on__isnull=True).count()
        print(
            f"\n{size:,} cases ({running:,} open with running clocks) "
            f"{'reused' if args.reuse else 'built'} in {time.perf_counter() - t0:.1f}s"
        )

        reset_flags()
        vacuum()
        cold, r_cold = timed_scan(today, show_statements=args.statements)
        repeat, r_repeat = timed_scan(today)
        reset_flags()
        timed_scan(today - datetime.timedelta(days=1))
        daily, r_daily = timed_scan(today)
        # The next day: one day's clock crossings plus the reviews whose due date enters
        # the opening window that day (about 1/365 of the register), opened in the scan.
        # Rolled back: the reviews it opens would not open again on a --reuse run.
        with transaction.atomic():
            nextday, r_next = timed_scan(today + datetime.timedelta(days=1))
            transaction.set_rollback(True)
        assert r_repeat.notifications == 0 and r_repeat.overdue_marked == 0, (
            "the repeat run changed something"
        )
        print(
            f"  cold   {cold:6.2f}s  overdue+{r_cold.overdue_marked:,} "
            f"due-soon+{r_cold.due_soon_marked:,} "
            f"step+{r_cold.step_overdue_marked:,} notifications {r_cold.notifications:,}"
        )
        print(
            f"  daily  {daily:6.2f}s  overdue+{r_daily.overdue_marked:,} "
            f"due-soon+{r_daily.due_soon_marked:,} "
            f"step+{r_daily.step_overdue_marked:,} notifications {r_daily.notifications:,}"
        )
        print(f"  repeat {repeat:6.2f}s  (no change, no notification)")
        print(
            f"  next day {nextday:6.2f}s  reviews opened {r_next.cases_opened:,} "
            f"overdue+{r_next.overdue_marked:,} notifications {r_next.notifications:,}"
        )
        rows.append(
            (size, running, cold, daily, repeat, r_cold.notifications, nextday, r_next.cases_opened)
        )

    print(
        "\n| cases | open | cold scan | daily scan | repeat | notifications (cold) "
        "| next day (reviews opened) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, running, cold, daily, repeat, notes, nextday, opened in rows:
        print(
            f"| {size:,} | {running:,} | {cold:.2f} s | {daily:.2f} s | "
            f"{repeat:.2f} s | {notes:,} | {nextday:.2f} s ({opened:,}) |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
