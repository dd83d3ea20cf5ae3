"""Benchmark of the case file (案卷 PDF) and the archive export.

Usage::

    .venv/bin/python bench/bench_archive.py [--sizes 500,2000] [--runs 5]

Runs on a throwaway SQLite database and media folder in a temporary directory (migrations
applied there), or on ``DATABASE_URL`` when it is set (use a database of its own whose name
contains "bench": rows are added). It builds the demo county, one 低保 case walked through
the whole route (members, income with an excluded kind, spending, assets, survey, check
report, notice, signed opinions, amount computation), and copies of it in bulk.

It prints:
  single         — one case file without scans (median of --runs, after one warm-up)
  single+scans   — the same case with 10 scanned pages (a 5-page PDF and 5 JPEG photos)
  export N       — an export of N cases run by a fresh worker process (the task body,
                   archive.exports.build.export_build): time, time per case, peak RSS of
                   that process, and its RSS sampled at 10 % / 50 % / 100 % of the cases.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """VmHWM: this process's own high-water mark (ru_maxrss would include the parent's
    memory at fork time, which Linux keeps across exec)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def scan_jpeg(n: int) -> bytes:
    """An A4 page at 150 dpi, drawn (compresses like a scan of a printed form)."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (1240, 1754), 245)
    draw = ImageDraw.Draw(image)
    for y in range(120, 1700, 36):
        draw.line((100, y, 1140, y), fill=60 + (y * n) % 120, width=2)
    draw.rectangle((100, 100, 1140, 1660), outline=20, width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def scan_pdf(pages: int) -> bytes:
    from PIL import Image

    images = [Image.open(io.BytesIO(scan_jpeg(n))).convert("RGB") for n in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:], resolution=150)
    return buffer.getvalue()


class Demo:
    """What archive/tests/helpers.full_case needs from the test suite's ``demo`` fixture."""

    def __init__(self):
        from relief.models import Region

        self.county = Region.objects.get(code="340521000000")
        self.gushu = Region.objects.get(code="340521100000")
        self.village = Region.objects.get(code="340521100201")

    @staticmethod
    def user(username):
        from relief.models import User

        return User.objects.get(username=username)


def clone_cases(template, count: int) -> list[int]:
    """``count`` copies of ``template`` (household, members, income, spending, assets,
    survey, check, computation and the signed log) inserted in bulk (the log row by row)."""
    from cases.models import (
        AmountComputation,
        Asset,
        Case,
        Household,
        IncomeItem,
        Member,
        Spending,
        Survey,
    )

    def copy(obj, **changes):
        values = {
            f.attname: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if not f.primary_key
        }
        values.update(changes)
        return type(obj)(**values)

    household = template.household
    members = list(household.members.order_by("pk"))
    incomes, spendings = list(household.income_items.all()), list(household.spendings.all())
    assets, events = list(household.assets.all()), list(template.events.order_by("pk"))
    survey, computation = template.survey, template.amount_computations.first()
    check = template.economic_checks.first()
    ids = []
    for start in range(0, count, 250):
        batch = range(start, min(count, start + 250))
        households = Household.objects.bulk_create([copy(household) for _ in batch])
        new_members = Member.objects.bulk_create(
            [copy(m, household_id=h.pk) for h in households for m in members]
        )
        by_household = {}
        for m in new_members:
            by_household.setdefault(m.household_id, []).append(m)
        cases = Case.objects.bulk_create(
            [
                copy(
                    template,
                    household_id=h.pk,
                    applicant_id=by_household[h.pk][0].pk,
                    number=f"B{count}-{i:07d}",
                )
                for i, h in zip(batch, households, strict=True)
            ]
        )
        IncomeItem.objects.bulk_create(
            [
                copy(x, household_id=h.pk, member_id=by_household[h.pk][0].pk)
                for h in households
                for x in incomes
            ]
        )
        Spending.objects.bulk_create(
            [copy(x, household_id=h.pk, member_id=None) for h in households for x in spendings]
        )
        Asset.objects.bulk_create(
            [copy(x, household_id=h.pk, member_id=None) for h in households for x in assets]
        )
        for c in cases:  # the case log is hash-chained: appended one row at a time
            for e in events:
                copy(e, case_id=c.pk, hash="", prev_hash="").save()
        Survey.objects.bulk_create([copy(survey, case_id=c.pk) for c in cases])
        AmountComputation.objects.bulk_create([copy(computation, case_id=c.pk) for c in cases])
        if check is not None:
            type(check).objects.bulk_create([copy(check, case_id=c.pk) for c in cases])
        ids.extend(c.pk for c in cases)
    return ids


def time_single(case, runs: int) -> float:
    from django.utils import timezone

    from archive.casefile.build import build_case_file

    stamp = timezone.localtime()
    build_case_file(case, archive_number="BENCH", generated_at=stamp)  # warm-up (fonts)
    timings, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        built = build_case_file(case, archive_number="BENCH", generated_at=stamp)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return statistics.median(timings), statistics.median(cpu), built.pages


def child_export(job_id: int) -> None:
    """Run one export as a fresh worker process would, and report time and memory."""
    import django

    django.setup()
    from archive.exports.build import export_build
    from archive.models import ArchiveExport

    samples: dict[str, float] = {}
    export = ArchiveExport.objects.get(job_id=job_id)
    marks = {max(1, export.total // 10): "10%", max(1, export.total // 2): "50%"}
    stop = threading.Event()
    peak = [rss_mb()]

    def sample():
        while not stop.wait(0.2):
            peak[0] = max(peak[0], rss_mb())
            try:
                done = ArchiveExport.objects.filter(pk=export.pk).values_list("done", flat=True)[0]
            except Exception:  # the database busy for a moment (SQLite): sample next time
                continue
            for mark, label in marks.items():
                if done >= mark and label not in samples:
                    samples[label] = rss_mb()

    thread = threading.Thread(target=sample, daemon=True)
    cpu_started = time.process_time()
    started = time.perf_counter()
    start_rss = rss_mb()
    thread.start()
    result = export_build(job_id)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    stop.set()
    thread.join()
    samples["100%"] = rss_mb()
    print(
        json.dumps(
            {
                "status": result.status,
                "cases": result.total,
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "start_rss_mb": start_rss,
                "peak_rss_mb": max(peak[0], peak_rss_mb()),
                "samples": samples,
                "zip_mb": result.file_size / 1e6,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="500,2000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child-export", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    print(f"start {time.strftime('%Y-%m-%d %H:%M')}; uptime: {os.popen('uptime').read().strip()}")
    if args.child_export:
        child_export(args.child_export)
        return
    workdir = tempfile.mkdtemp(prefix="bench-archive-")
    env = os.environ
    if not env.get("DATABASE_URL"):
        env["RELIEF_VAR_DIR"] = workdir
    elif "bench" not in env["DATABASE_URL"].rsplit("/", 1)[-1]:
        raise SystemExit("use a database of its own whose name contains 'bench'")
    env["MEDIA_ROOT"] = os.path.join(workdir, "media")
    env["CELERY_EAGER"] = "1"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from archive import tasks
    from archive.exports.services import export_request
    from archive.tests.helpers import full_case, upload
    from relief.demo import seed_regions_and_accounts
    from relief.management.commands.seed_demo import demo_steps

    seed_regions_and_accounts()
    for step in demo_steps():  # the apps' demo data (funds' standards), as seed_demo does
        step(households=0)
    demo = Demo()
    case = full_case(demo, scans=False)
    single, single_cpu, pages = time_single(case, args.runs)
    print(
        f"single        {single:6.3f} s wall, {single_cpu:.3f} s CPU "
        f"({pages} pages, median of {args.runs})"
    )
    clerk = demo.user("clerk")
    scanned = full_case(demo, scans=False, name="钱多多")
    upload(scanned, clerk, "hukou.pdf", scan_pdf(5), kind="hukou")
    for n in range(5):
        upload(scanned, clerk, f"photo{n}.jpg", scan_jpeg(n), kind="evidence")
    with_scans, with_scans_cpu, pages = time_single(scanned, args.runs)
    print(
        f"single+scans  {with_scans:6.3f} s wall, {with_scans_cpu:.3f} s CPU "
        f"({pages} pages, 10 of them scans)"
    )
    supervisor = demo.user("supervisor")
    day = case.decided_on
    # The job is run below by a fresh process (the worker), not queued here.
    tasks.build_export.delay = lambda *args, **kwargs: type("Result", (), {"id": ""})()
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        from cases.models import Case

        Case.objects.filter(number__startswith="B").update(decided_on=day.replace(year=2000))
        clone_cases(case, size)
        criteria = {
            "townships": [demo.gushu.pk],
            "types": [case.assistance_type.code],
            "states": [case.state],
            "date_from": day,
            "date_to": day,
        }
        Case.objects.filter(pk__in=[case.pk, scanned.pk]).update(decided_on=day.replace(year=2001))
        with transaction.atomic():
            export = export_request(user=supervisor, data=criteria)
        assert export.total == size, (export.total, size)
        output = subprocess.run(
            [sys.executable, __file__, "--child-export", str(export.job_id)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        ).stdout
        report = json.loads(output.strip().splitlines()[-1])
        per_case = report["seconds"] / size
        per_case_cpu = report["cpu_seconds"] / size
        samples = " / ".join(f"{k} {v:.0f}" for k, v in report["samples"].items())
        print(
            f"export {size:5d}  {report['seconds']:7.1f} s wall  {per_case:.3f} s/case "
            f"({per_case / single:.2f}× single); CPU {per_case_cpu:.3f} s/case "
            f"({per_case_cpu / single_cpu:.2f}× single)  peak RSS {report['peak_rss_mb']:.0f} MB "
            f"(start {report['start_rss_mb']:.0f}; {samples} MB)  ZIP {report['zip_mb']:.0f} MB"
            f"  {report['status']}"
        )
        Case.objects.filter(pk__in=[case.pk, scanned.pk]).update(decided_on=day)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"done {timezone.localtime():%Y-%m-%d %H:%M}; load average {load}; {workdir}")


if __name__ == "__main__":
    main()
