"""Benchmark of the monthly payment roster (funds/rosters): one township with N recipients.

Usage (PostgreSQL only; use a database of its own, it is rebuilt)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:5432/relief_rosterbench SECRET_KEY=x \\
        .venv/bin/python bench/bench_roster.py [--sizes 100000,500000,1500000]

The schema is rebuilt from the models (as bench_scan.py does, plus the roster triggers); rows
are made with INSERT … SELECT generate_series, no Python loop. Each size gets its own
assistance type in 姑孰镇, so the runs are independent. Per recipient: a household, a case in
payment, a bank account (2 % have none: held, 待补账户), the registration change, and for
some a dated change: 10 % a raise from November, 3 % suspended from November. The raw
change rows are sealed into their per-recipient hash chains afterwards, as the table's
owner (relief.logchain.seal_unsealed; not part of the timed runs, the seal time is printed).

For each size it times, through the real services (the Celery task runs eagerly):
  first    — the October roster, the first one: back pay for the 5 % confirmed in August
  monthly  — the November roster after October was locked, 1 % of October's lines failed at
             the bank (arrears) and 2 % got a raise backdated to October (back pay)
  csv/xlsx — the export of the locked November roster, streamed to disk
and prints the process's peak RSS (ru_maxrss) after each step.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")

from bench.bench_scan import ensure_database, insert_select, rebuild_schema  # noqa: E402

FIRST = datetime.date(2026, 10, 1)
MONTHLY = datetime.date(2026, 11, 1)
TYPES = ["dibao_rural", "dibao_urban", "tekun_dispersed", "tekun_centralized"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def next_ids(model, n: int) -> int:
    """Reserve n primary keys; returns the base (ids are base+1 … base+n)."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")
        base = cursor.fetchone()[0]
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, base + n])
    return base


def build(n: int, type_code: str) -> None:
    from django.db import connection

    from cases.models import Case, Household
    from funds.recipients.models import BankAccount, Recipient, RecipientChange
    from relief.models import AssistanceType, Region

    township = Region.objects.get(code="340521100000")
    villages = list(
        Region.objects.filter(parent=township).order_by("code").values_list("pk", flat=True)
    )
    atype = AssistanceType.objects.get(code=type_code)
    vil = f"(ARRAY[{', '.join(map(str, villages))}]::bigint[])[1 + mod(g, {len(villages)})]"
    series = "generate_series(1, %s) g"
    h = next_ids(Household, n)
    insert_select(
        Household,
        {
            "id": f"{h} + g",
            "township_id": str(township.pk),
            "village_id": vil,
            "address": "'幸福路' || g::text || '号'",
            "hukou_type": "'rural'",
        },
        series,
        [n],
    )
    c = next_ids(Case, n)
    insert_select(
        Case,
        {
            "id": f"{c} + g",
            "number": f"'R{atype.pk}-' || lpad(g::text, 8, '0')",
            "household_id": f"{h} + g",
            "assistance_type_id": str(atype.pk),
            "township_id": str(township.pk),
            "village_id": vil,
            "state": "'paying'",
            "route": "'township'",
            "documents_complete": "true",
        },
        series,
        [n],
    )
    a = next_ids(BankAccount, n)
    insert_select(
        BankAccount,
        {
            "id": f"{a} + g",
            "household_id": f"{h} + g",
            "holder_name": "'户主' || g::text",
            "bank": "'rcc'",
            "account_number": "'6217' || lpad(g::text, 15, '0')",
        },
        series + " WHERE mod(g, 50) <> 0",
        [n],
    )
    r = next_ids(Recipient, n)
    first = (
        "(CASE mod(g, 20) WHEN 0 THEN DATE '2026-09-01' WHEN 1 THEN DATE '2026-11-01' "
        "ELSE DATE '2026-10-01' END)"
    )
    amount = "(300 + mod(g, 50) * 10)::numeric(12, 2)"
    insert_select(
        Recipient,
        {
            "id": f"{r} + g",
            "case_id": f"{c} + g",
            "household_id": f"{h} + g",
            "assistance_type_id": str(atype.pk),
            "township_id": str(township.pk),
            "village_id": vil,
            "area": "'rural'",
            "status": "'active'",
            "monthly_amount": amount,
            "covered_count": "1",
            "first_month": first,
            "head_name": "'户主' || g::text",
            "head_id_number": "'340521' || lpad(g::text, 12, '0')",
            "bank_account_id": f"CASE WHEN mod(g, 50) = 0 THEN NULL ELSE {a} + g END",
        },
        series,
        [n],
    )
    change = {
        "recipient_id": f"{r} + g",
        "covered_member_ids": "'[]'::jsonb",
        "source_label": "'审核确认'",
        "actor_role": "'system'",
    }
    insert_select(
        RecipientChange,
        {
            **change,
            "kind": "'registered'",
            "effective_month": first,
            "status": "'active'",
            "monthly_amount": amount,
            "reason": "'审核确认，纳入保障'",
        },
        series,
        [n],
    )
    insert_select(
        RecipientChange,
        {
            **change,
            "kind": "'amount'",
            "effective_month": "DATE '2026-11-01'",
            "status": "'active'",
            "monthly_amount": f"{amount} + 20",
            "reason": "'收入减少，提高保障金'",
        },
        series + " WHERE mod(g, 10) = 3",
        [n],
    )
    insert_select(
        RecipientChange,
        {
            **change,
            "kind": "'status'",
            "effective_month": "DATE '2026-11-01'",
            "status": "'suspended'",
            "monthly_amount": "0",
            "reason": "'外出务工，暂停发放'",
        },
        series + " WHERE mod(g, 33) = 5",
        [n],
    )
    seal(RecipientChange)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def seal(model) -> None:
    """The raw inserts carry no hash: seal them as the table's owner (this script connects
    as it), each recipient's chain in id order (relief.logchain.seal_unsealed), so
    ``manage.py verify_log`` finds the bench's register intact."""
    from relief.logchain import seal_unsealed

    t0 = time.perf_counter()
    sealed = seal_unsealed(model)
    print(f"  sealed {sealed:,} {model._meta.label} rows in {time.perf_counter() - t0:.1f}s")


def backdate_raise(n: int, type_code: str) -> None:
    """After October is locked: 2 % get a raise with effect from October (back pay)."""
    from django.db import connection

    from funds.recipients.models import RecipientChange
    from relief.models import AssistanceType

    atype = AssistanceType.objects.get(code=type_code)
    insert_select(
        RecipientChange,
        {
            "recipient_id": "r.id",
            "covered_member_ids": "'[]'::jsonb",
            "source_label": "'调标'",
            "actor_role": "'system'",
            "kind": "'standard'",
            "effective_month": "DATE '2026-10-01'",
            "status": "'active'",
            "monthly_amount": "r.monthly_amount + 30",
            "reason": "'提高低保标准（自10月起）'",
        },
        "funds_recipient r WHERE r.assistance_type_id = %s AND mod(r.id, 50) = 11",
        [atype.pk],
    )
    seal(RecipientChange)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE funds_recipientchange")


def fail_some(run) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE funds_rosterline SET result = 'failed', result_reason = '账户已冻结' "
            "WHERE run_id = %s AND channel = 'bank' AND mod(line_no, 100) = 7",
            [run.pk],
        )
        return cursor.rowcount


BACKEND_PID: list[int] = []


def cpu_seconds() -> tuple[float, float]:
    """CPU time used so far by this process and by its PostgreSQL backend (same machine):
    on a shared machine the wall time follows the load, the CPU time much less."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    backend = 0.0
    if BACKEND_PID:
        try:
            with open(f"/proc/{BACKEND_PID[0]}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            backend = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            backend = 0.0
    return usage.ru_utime + usage.ru_stime, backend


def timed(fn, *args, **kwargs):
    """(wall seconds, result); the CPU split of the last call is left in LAST_CPU."""
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    elapsed = time.perf_counter() - t0
    c1 = cpu_seconds()
    LAST_CPU[:] = [c1[0] - c0[0], c1[1] - c0[1]]
    return elapsed, result


LAST_CPU: list[float] = [0.0, 0.0]


def cpu_note() -> str:
    return f"cpu: python {LAST_CPU[0]:.1f}s, postgres {LAST_CPU[1]:.1f}s"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,500000,1500000")
    parser.add_argument(
        "--xlsx-up-to",
        type=int,
        default=500000,
        help="time the XLSX export only up to this size (openpyxl is the slow part)",
    )
    parser.add_argument(
        "--force", action="store_true", help="allow a database whose name lacks 'bench'"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        print("bench_roster: set DATABASE_URL=postgres://…/relief_rosterbench", file=sys.stderr)
        return 2
    if "bench" not in url.rsplit("/", 1)[-1] and not args.force:
        print("bench_roster: the database is rebuilt; use one named *bench*", file=sys.stderr)
        return 2
    os.environ.setdefault("SECRET_KEY", "bench-only-" + "b" * 50)
    media = tempfile.mkdtemp(prefix="bench-roster-")  # the exported files, removed at the end
    os.environ["MEDIA_ROOT"] = media
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection

    from funds.rosters import services
    from funds.rosters.triggers import install_roster_triggers
    from relief.models import AssistanceType, Region, User

    sizes = sorted(int(s) for s in args.sizes.split(","))
    if len(sizes) > len(TYPES):
        print(f"bench_roster: at most {len(TYPES)} sizes", file=sys.stderr)
        return 2
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        BACKEND_PID.append(cursor.fetchone()[0])
    t0 = time.perf_counter()
    rebuild_schema()
    install_roster_triggers()
    print(f"schema rebuilt in {time.perf_counter() - t0:.1f}s; rss {rss_mb():.0f} MB")
    township = Region.objects.get(code="340521100000")
    clerk, approver = User.objects.get(username="clerk"), User.objects.get(username="approver")
    table = []
    for size, type_code in zip(sizes, TYPES, strict=False):
        atype = AssistanceType.objects.get(code=type_code)
        t_build, _ = timed(build, size, type_code)
        print(f"\n{size:,} recipients ({atype.name}) built in {t_build:.1f}s")

        def run_month(month, atype=atype):
            run = services.roster_run_start(
                township=township, month=month, assistance_type=atype, actor=clerk
            )
            run.refresh_from_db()
            return run

        t_first, first = timed(run_month, FIRST)
        cpu_first = sum(LAST_CPU)
        print(
            f"  first   {t_first:6.2f}s  {first.line_count:,} lines, bank {first.bank_amount} 元, "
            f"待补账户 {first.missing_account_count:,}; {cpu_note()}; rss {rss_mb():.0f} MB"
        )
        services.roster_check(run=first, actor=clerk)
        services.roster_lock(run=first, actor=approver)
        failed = fail_some(first)
        backdate_raise(size, type_code)
        t_month, monthly = timed(run_month, MONTHLY)
        cpu_month = sum(LAST_CPU)
        kinds = ", ".join(f"{k} {v['count']:,}" for k, v in sorted(monthly.totals_by_kind.items()))
        print(
            f"  monthly {t_month:6.2f}s  {monthly.line_count:,} lines ({kinds}); "
            f"{failed:,} failed in October carried; {cpu_note()}; rss {rss_mb():.0f} MB"
        )
        services.roster_check(run=monthly, actor=clerk)
        services.roster_lock(run=monthly, actor=approver)
        t_csv, csv_export = timed(services.roster_export, run=monthly, fmt="csv", actor=approver)
        print(
            f"  csv     {t_csv:6.2f}s  {csv_export.size / 1e6:.1f} MB; {cpu_note()}; "
            f"rss {rss_mb():.0f} MB"
        )
        t_xlsx = None
        if size <= args.xlsx_up_to:
            t_xlsx, xlsx_export = timed(
                services.roster_export, run=monthly, fmt="xlsx", actor=approver
            )
            print(
                f"  xlsx    {t_xlsx:6.2f}s  {xlsx_export.size / 1e6:.1f} MB; {cpu_note()}; "
                f"rss {rss_mb():.0f} MB"
            )
        table.append(
            (size, first.line_count, t_first, cpu_first, monthly.line_count, t_month, cpu_month)
            + (t_csv, t_xlsx)
        )

    shutil.rmtree(media, ignore_errors=True)
    print(f"\npeak RSS of this process (the worker's work): {rss_mb():.0f} MB")
    print(
        "\n| recipients | first run (CPU) | lines | monthly run (CPU) | lines "
        "| CSV export | XLSX export |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, n_first, t_first, c_first, n_month, t_month, c_month, t_csv, t_xlsx in table:
        xlsx = f"{t_xlsx:.1f} s" if t_xlsx is not None else "—"
        print(
            f"| {size:,} | {t_first:.1f} s ({c_first:.1f} s) | {n_first:,} "
            f"| {t_month:.1f} s ({c_month:.1f} s) | {n_month:,} | {t_csv:.1f} s | {xlsx} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
