#!/usr/bin/env python
"""Benchmark `seed_demo --households N` (cases/bulk.py) against DATABASE_URL.

    DATABASE_URL=postgres://relief:relief@127.0.0.1:5432/relief_bench \\
        SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))') \\
        .venv/bin/python bench/bench_seed.py --households 100000

Migrates the database if needed, loads the demo county, then times the bulk load alone and
prints households/s and the total seconds. The target: 100,000 households in at
most 120 s on PostgreSQL. Rows are added, never removed: use a database of its own.
"""

import argparse
import os
import sys
import time
from pathlib import Path

# Django and project modules are imported inside the functions, after ``django.setup()``
# (and after DATABASE_URL was checked).

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument(
        "--limit-seconds", type=float, default=120.0, help="exit 1 when slower than this"
    )
    parser.add_argument(
        "--allow-sqlite", action="store_true", help="run on the embedded SQLite file too"
    )
    parser.add_argument(
        "--syncdb",
        action="store_true",
        help="build the schema from the models, not the migrations (as pytest --nomigrations)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from cases.bulk import bulk_create_households
    from cases.models import Case, Household, Member
    from relief.demo import seed_regions_and_accounts

    if connection.vendor != "postgresql" and not args.allow_sqlite:
        print("DATABASE_URL must point at PostgreSQL (or pass --allow-sqlite)", file=sys.stderr)
        return 2
    if args.syncdb:
        from django.apps import apps
        from django.conf import settings

        settings.MIGRATION_MODULES = {app.label: None for app in apps.get_app_configs()}
        call_command("migrate", "--noinput", run_syncdb=True, verbosity=0)
    else:
        call_command("migrate", "--noinput", verbosity=0)
    seed_regions_and_accounts()
    before = (Household.objects.count(), Member.objects.count(), Case.objects.count())

    started, cpu_started = time.perf_counter(), time.process_time()
    bulk_create_households(args.households, stdout=None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started

    after = (Household.objects.count(), Member.objects.count(), Case.objects.count())
    added = [a - b for a, b in zip(after, before, strict=True)]
    settings = connection.settings_dict
    print(f"database: {connection.vendor} {settings['HOST'] or ''}/{settings['NAME']}")
    print(f"added: {added[0]} households, {added[1]} members, {added[2]} cases")
    print(f"total: {seconds:.1f} s  ({args.households / seconds:,.0f} households/s)")
    print(
        f"python cpu: {cpu:.1f} s; "
        f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    ok = seconds <= args.limit_seconds
    print(("PASS" if ok else "FAIL") + f": limit {args.limit_seconds:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
