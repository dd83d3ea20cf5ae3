"""In-process cost of the load test's mixed clerk session, request by request.

Usage (against a database built by bench/bench_pages.py, whose demo accounts it uses)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:55432/relief_pagebench100k SECRET_KEY=… \\
        .venv/bin/python bench/profile_session.py [--repeat 30] [--profile case_list] [--json F]

The same four requests as bench/load.py's mixed session (case list, case page, list search,
a transition and its reverse on a draft case), through Django's test client with the
production settings (DEBUG off, the real session and authentication middleware; the clerk
logs in with its password, so the session is a real one), plus ``/healthz``. For each it
prints the median and p95 in milliseconds and the query count; ``--profile NAME`` runs
that request ``--repeat`` times under cProfile and prints the top functions by cumulative
and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relief.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("LOG_LEVEL", "WARNING")

#: Read before Django sets TZ (Asia/Shanghai), so the time is the machine's.
UPTIME = os.popen("uptime").read().strip()
PASSWORD = "Relief-demo-2026"  # relief.demo.DEMO_PASSWORD
SEARCH = "王建"
OPINION = "材料不全，请补充户籍证明"


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Session:
    """The clerk of bench/load.py: logged in through the login form, ids read from the list."""

    def __init__(self):
        from django.test import Client

        self.client = Client(SERVER_NAME="127.0.0.1")
        response = self.client.post("/login/", {"username": "clerk", "password": PASSWORD})
        if response.status_code != 302:
            raise SystemExit(f"profile: login answered {response.status_code}")
        page = self.client.get("/cases/?per_page=100").content.decode()
        self.case_ids = [int(i) for i in re.findall(r'href="/cases/(\d+)/"', page)]
        drafts = self.client.get("/cases/?state=draft&per_page=100").content.decode()
        ids = [int(i) for i in re.findall(r'href="/cases/(\d+)/"', drafts)]
        self.draft = ids[-1] if ids else None
        self.returned = False
        self.random = random.Random(17)

    def healthz(self):
        return self.client.get("/healthz")

    def case_list(self):
        return self.client.get("/cases/")

    def case_page(self):
        return self.client.get(f"/cases/{self.random.choice(self.case_ids)}/")

    def search(self):
        return self.client.get(f"/cases/?q={SEARCH}")

    def transition(self):
        if self.draft is None:
            raise SystemExit("profile: the clerk has no draft case")
        name = "resubmit" if self.returned else "return_to_village"
        response = self.client.post(
            f"/cases/{self.draft}/transitions/{name}/", {"opinion": OPINION}
        )
        self.returned = not self.returned
        return response


REQUESTS = ("healthz", "case_list", "case_page", "search", "transition")


def timed(session: Session, name: str) -> tuple[float, int]:
    from django.db import connection

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    t0, c0 = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        response = getattr(session, name)()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if response.status_code not in (200, 302):
        raise SystemExit(f"profile: {name} answered {response.status_code}")
    return seconds, cpu, count[0]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", choices=REQUESTS, default="")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("profile: set DATABASE_URL to a database built by bench_pages.py", file=sys.stderr)
        return 2

    import django

    django.setup()
    session = Session()
    if args.profile:
        for _ in range(3):
            timed(session, args.profile)  # warm
        profiler = cProfile.Profile(time.process_time)  # CPU, not the waits on the database
        profiler.enable()
        for _ in range(args.repeat):
            getattr(session, args.profile)()
        profiler.disable()
        for key in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(args.top)
            print(out.getvalue())
        return 0

    uptime = UPTIME
    print(f"{args.repeat} times each, in process, DEBUG off; uptime: {uptime}")
    results = {}
    for name in REQUESTS:
        for _ in range(3):
            timed(session, name)
        samples, cpus, queries = [], [], 0
        for _ in range(args.repeat):
            seconds, cpu, queries = timed(session, name)
            samples.append(seconds)
            cpus.append(cpu)
        results[name] = {
            "median_ms": statistics.median(samples) * 1000,
            "p95_ms": p95(samples) * 1000,
            "cpu_ms": statistics.median(cpus) * 1000,
            "queries": queries,
        }
        print(
            f"  {name:12s} median {results[name]['median_ms']:7.1f} ms  "
            f"p95 {results[name]['p95_ms']:7.1f} ms  "
            f"Python CPU {results[name]['cpu_ms']:6.1f} ms  queries {queries}",
            flush=True,
        )
    weights = {"case_list": 4, "case_page": 3, "search": 2, "transition": 1}
    for key, what in (("median_ms", "wall"), ("cpu_ms", "Python CPU")):
        mix = sum(results[n][key] * w for n, w in weights.items()) / sum(weights.values())
        print(
            f"  mixed session ({what}, weighted by the load test's task weights): {mix:.1f} ms "
            f"a request; /healthz {results['healthz'][key]:.1f} ms; ratio "
            f"{results['healthz'][key] / mix:.2f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"uptime": uptime, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
