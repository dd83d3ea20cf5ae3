"""Benchmark of the printed notice (公示 PDF): a published batch of 200 households rendered
by cases.notices.pdf.notice_pdf (target: ≤ 3 s, issue 11).

Usage::

    flock /tmp/bench.lock .venv/bin/python bench/bench_notice_pdf.py [--households 200] [--runs 5]

Runs on a throwaway SQLite database in a temporary directory (migrations applied there):
the demo regions and accounts, ``--households`` cases of 城东社区 waiting for 确认前公示
(two members each), gathered and published through the notice services. It prints the
first render (fonts loaded, templates compiled) and the median and slowest of ``--runs``
renders after it (wall clock, and the process's CPU time, which a busy machine does not
inflate), the pages and the size of the PDF.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
os.environ.pop("DATABASE_URL", None)  # always the throwaway SQLite file
TARGET_S = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="notice-pdf-bench-") as var:
        os.environ["RELIEF_VAR_DIR"] = var
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone
        from pypdf import PdfReader

        call_command("migrate", verbosity=0)
        from cases.models import CaseState
        from cases.notices.models import NoticeKind
        from cases.notices.pdf import notice_pdf
        from cases.notices.services import batch_create, batch_publish
        from relief.demo import seed_regions_and_accounts
        from relief.models import AssistanceType, Region, User
        from tests.factories import CaseFactory, HouseholdFactory, MemberFactory

        seed_regions_and_accounts()
        village = Region.objects.get(code="340521100201")
        dibao = AssistanceType.objects.get(code="dibao_rural")
        cases = []
        for _ in range(args.households):
            household = HouseholdFactory(village=village, township=village.parent)
            applicant = MemberFactory(household=household)
            MemberFactory(household=household)
            cases.append(
                CaseFactory(
                    household=household,
                    applicant=applicant,
                    assistance_type=dibao,
                    documents_complete=True,
                    force_state=CaseState.PRE_NOTICE,
                )
            )
        clerk = User.objects.get(username="clerk")
        batch = batch_create(
            actor=clerk,
            village=village,
            kind=NoticeKind.PRE,
            cases=cases,
            starts_on=timezone.localdate(),
            place="城东社区村务公开栏",
            phone="0555-6661234",
        )
        batch = batch_publish(batch=batch, actor=clerk)

        began = time.perf_counter()
        pdf = notice_pdf(batch)
        first = time.perf_counter() - began
        times, cpu = [], []
        for _ in range(args.runs):
            began, began_cpu = time.perf_counter(), time.process_time()
            notice_pdf(batch)
            times.append(time.perf_counter() - began)
            cpu.append(time.process_time() - began_cpu)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        median, slowest = statistics.median(times), max(times)
        print(
            f"notice PDF, {args.households} households, {pages} pages, {len(pdf) / 1024:.0f} KiB: "
            f"first {first:.2f} s, median {median:.2f} s, slowest {slowest:.2f} s "
            f"(target ≤ {TARGET_S:.0f} s: {'met' if slowest <= TARGET_S else 'MISSED'}); "
            f"CPU time median {statistics.median(cpu):.2f} s, load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
