"""Benchmark of opening a yearly review campaign (集中复核, funds/dynamic): N recipients of one
township and type get a review case each, with its clock and its review row.

Usage (PostgreSQL only; use a database of its own, it is rebuilt)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:55432/relief_campaignbench SECRET_KEY=x \\
        .venv/bin/python bench/bench_campaign.py [--sizes 10000,100000]

The schema is rebuilt from the models, with the case list's search indexes (pg_trgm GIN and
pattern btree on case numbers, member names and ID numbers) that only their migration
creates, added by that migration's own ``add_search_indexes`` as bench_pages.py adds them,
less the one cases 0018 drops again (``drop_number_prefix``): the campaign's INSERTs pay for
the production index set. The recipients are made as
bench_roster.py makes them (INSERT … SELECT generate_series: household, case in payment,
account, registration change), each size with its own assistance type in 姑孰镇. Then it times
``funds.dynamic.services.review_campaign_open`` as the county supervisor would open it from
the campaign page, for every recipient of that type (the target: ≤ 10 s for 100,000), and
prints the statements it ran, the CPU seconds of this process and of its PostgreSQL backend,
and the peak RSS.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

from bench import bench_roster  # noqa: E402
from bench.bench_scan import add_search_indexes, ensure_database, rebuild_schema  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench_campaign: set DATABASE_URL=postgres://…/relief_campaignbench", file=sys.stderr)
        return 2
    if "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        print("bench_campaign: the database is rebuilt; use one named *bench*", file=sys.stderr)
        return 2
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 50)
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import Case, CaseClock
    from funds.dynamic.models import ReviewCase
    from funds.dynamic.services import review_campaign_open
    from funds.recipients.models import Recipient
    from relief.models import AssistanceType, Region, User

    sizes = sorted(int(s) for s in args.sizes.split(","))
    if len(sizes) > len(bench_roster.TYPES):
        print(f"bench_campaign: at most {len(bench_roster.TYPES)} sizes", file=sys.stderr)
        return 2
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        bench_roster.BACKEND_PID.append(cursor.fetchone()[0])
    t0 = time.perf_counter()
    rebuild_schema()
    indexes = add_search_indexes()
    print(
        f"schema rebuilt in {time.perf_counter() - t0:.1f}s "
        f"(with the search indexes of their migration: {', '.join(indexes)})"
    )
    supervisor = User.objects.get(username="supervisor")
    county = supervisor.region
    assert county is not None and county.level == Region.Level.COUNTY
    on = datetime.date(2026, 12, 1)
    rows = []
    for size, type_code in zip(sizes, bench_roster.TYPES, strict=False):
        atype = AssistanceType.objects.get(code=type_code)
        t_build, _ = bench_roster.timed(bench_roster.build, size, type_code)
        print(f"\n{size:,} recipients ({atype.name}) built in {t_build:.1f}s")
        # The statistics a live database's autovacuum keeps: without them the planner takes
        # the tally marks written by the previous size's campaign for an empty table (the
        # summary statement's anti-join then rescans the marks it appends, once per case).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        before = Case.objects.count()
        spent: list[tuple[float, str]] = []

        def timed_sql(execute, sql, params, many, context, spent=spent):
            t = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append((time.perf_counter() - t, " ".join(sql.split())[:110]))

        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed_sql):
            elapsed, campaign = bench_roster.timed(
                review_campaign_open,
                county=county,
                recipients=Recipient.objects.filter(assistance_type=atype),
                actor=supervisor,
                name=f"{on.year}年度集中复核（{atype.name}）",
                due_on=datetime.date(2027, 3, 31),
                on=on,
            )
        cpu = bench_roster.cpu_note()
        opened = campaign.opened
        assert opened == size, (opened, size)
        assert Case.objects.count() - before == size
        assert ReviewCase.objects.filter(campaign=campaign).count() == size
        clocks = CaseClock.objects.filter(case__number__startswith=f"JZ{campaign.pk}-")
        assert clocks.count() == size
        statements = len(ctx.captured_queries)
        print(
            f"campaign opened {opened:,} reviews in {elapsed:.2f}s ({cpu}); "
            f"{statements} statements; rss {bench_roster.rss_mb():.0f} MB"
        )
        # The slowest statements; what the sum leaves of the time is mostly the COMMIT,
        # which runs the deferred foreign-key checks of every new row.
        for seconds, sql in sorted(spent, reverse=True)[:5]:
            print(f"    {seconds:6.2f}s  {sql}")
        print(f"    {elapsed - sum(s for s, _ in spent):6.2f}s  the rest (COMMIT and Python)")
        rows.append((size, elapsed, bench_roster.LAST_CPU[1], statements))
    print("\n| recipients | open campaign | PostgreSQL CPU | statements |")
    print("|---:|---:|---:|---:|")
    for size, elapsed, backend, statements in rows:
        print(f"| {size:,} | {elapsed:.2f} s | {backend:.1f} s | {statements} |")
    if len(rows) > 1:
        (s0, e0, *_), (s1, e1, *_) = rows[0], rows[-1]
        print(f"\nratio {s1 // s0}x recipients → {e1 / e0:.1f}x time")
    return 0


if __name__ == "__main__":
    sys.exit(main())
