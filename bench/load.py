"""Load test: a mixed clerk session against gunicorn on 127.0.0.1, beside /healthz.

Usage (against a database built by bench/bench_pages.py, whose demo accounts it uses)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:55432/relief_pagebench SECRET_KEY=… \\
        .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--workers 3] [--threads 1]

It starts gunicorn (``relief.wsgi``, production settings: DEBUG off, pooled PostgreSQL,
``DB_POOL_MAX`` per worker) on a free port of 127.0.0.1, then runs locust headless, in
process, twice for ``--seconds`` each with ``--users`` users and no think time:

1. ``/healthz`` only (the trivial view: one ``SELECT 1``), the ceiling of the stack;
2. the mixed session of a township clerk: case list (weight 4), case page (3), list search
   (2), a transition and its reverse (1: 退回村级补充 ↔ 重新提交 on a draft case of its own).

and prints throughput and p95 per request and the ratio of the mixed throughput to the
/healthz throughput (target ≥ 0.25). Bounded: at most 50 users and 300 seconds a phase.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Relief-demo-2026"  # relief.demo.DEMO_PASSWORD (not imported: no Django here)
SEARCH = "王建"
MAX_USERS, MAX_SECONDS = 50, 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, *, workers: int, threads: int, pool_max: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DB_POOL_MAX": str(pool_max),
        "DB_POOL_MIN": "1",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(BASE_DIR / ".venv/bin/gunicorn"),
            "relief.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("load: gunicorn did not answer /healthz within 60 s")


def run_phase(user_class, *, host: str, users: int, seconds: int) -> dict:
    import gevent
    from locust.env import Environment

    env = Environment(user_classes=[user_class], host=host)
    runner = env.create_local_runner()
    user_class.ready = 0
    runner.start(users, spawn_rate=users)
    deadline = time.monotonic() + 120
    while user_class.ready < users and time.monotonic() < deadline:
        gevent.sleep(0.2)  # logging in (password hashing) is not part of the measure
    env.stats.reset_all()
    gevent.sleep(seconds)
    runner.quit()
    total = env.stats.total
    rows = {}
    for (name, method), entry in sorted(env.stats.entries.items()):
        rows[f"{method} {name}"] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.num_requests / seconds,
            "median_ms": entry.get_response_time_percentile(0.5),
            "p95_ms": entry.get_response_time_percentile(0.95),
        }
    return {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": total.num_requests / seconds,
        "median_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "rows": rows,
    }


def user_classes():
    """Defined here so that locust (and gevent's monkey-patching) loads only when run."""
    import itertools
    import random

    from locust import HttpUser, constant, task

    numbering = itertools.count()

    class HealthUser(HttpUser):
        wait_time = constant(0)

        def on_start(self):
            type(self).ready += 1

        @task
        def healthz(self):
            self.client.get("/healthz", name="/healthz")

    class ClerkSession(HttpUser):
        """A township clerk: lists, opens cases, searches, moves a draft case and back."""

        wait_time = constant(0)

        def on_start(self):
            self.client.get("/login/", name="/login/")
            self.client.post(
                "/login/",
                {
                    "username": "clerk",
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                },
                name="/login/",
            )
            page = self.client.get("/cases/?per_page=100", name="/cases/ (ids)").text
            self.case_ids = [int(i) for i in re.findall(r'href="/cases/(\d+)/"', page)] or [1]
            drafts = self.client.get("/cases/?state=draft&per_page=100", name="/cases/ (ids)").text
            ids = [int(i) for i in re.findall(r'href="/cases/(\d+)/"', drafts)]
            n = next(numbering)
            self.draft = ids[n % len(ids)] if ids else None
            self.returned = False
            type(self).ready += 1

        @task(4)
        def case_list(self):
            self.client.get("/cases/", name="/cases/")

        @task(3)
        def case_page(self):
            self.client.get(f"/cases/{random.choice(self.case_ids)}/", name="/cases/<id>/")

        @task(2)
        def search(self):
            self.client.get(f"/cases/?q={SEARCH}", name="/cases/?q=")

        @task(1)
        def transition(self):
            if self.draft is None:
                return
            name = "resubmit" if self.returned else "return_to_village"
            response = self.client.post(
                f"/cases/{self.draft}/transitions/{name}/",
                {
                    "opinion": "材料不全，请补充户籍证明",
                    "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
                },
                name="/cases/<id>/transitions/",
            )
            if response.ok:
                self.returned = not self.returned

    return HealthUser, ClerkSession


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--pool-max", type=int, default=4, help="DB_POOL_MAX per worker")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    if not 1 <= args.users <= MAX_USERS or not 5 <= args.seconds <= MAX_SECONDS:
        print(f"load: 1–{MAX_USERS} users and 5–{MAX_SECONDS} seconds", file=sys.stderr)
        return 2
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("load: set DATABASE_URL to a database built by bench_pages.py", file=sys.stderr)
        return 2

    port = free_port()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(
        f"gunicorn {args.workers} workers × {args.threads} threads, pool ≤ {args.pool_max} "
        f"connections per worker; {args.users} users, {args.seconds} s a phase; uptime: {uptime}"
    )
    server = start_gunicorn(
        port, workers=args.workers, threads=args.threads, pool_max=args.pool_max
    )
    try:
        health_user, clerk_session = user_classes()
        host = f"http://127.0.0.1:{port}"
        health = run_phase(health_user, host=host, users=args.users, seconds=args.seconds)
        mixed = run_phase(clerk_session, host=host, users=args.users, seconds=args.seconds)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)

    print("\n| request | requests | failures | req/s | median | p95 |")
    print("|---|---:|---:|---:|---:|---:|")
    for phase in (health, mixed):
        for name, r in phase["rows"].items():
            if not r["requests"]:
                continue
            print(
                f"| {name} | {r['requests']} | {r['failures']} | {r['rps']:.1f} | "
                f"{r['median_ms']:.0f} ms | {r['p95_ms']:.0f} ms |"
            )
    ratio = mixed["rps"] / max(health["rps"], 1e-9)
    print(
        f"\n/healthz: {health['rps']:.1f} req/s, p95 {health['p95_ms']:.0f} ms\n"
        f"mixed session: {mixed['rps']:.1f} req/s, p95 {mixed['p95_ms']:.0f} ms, "
        f"{mixed['failures']} failures\n"
        f"ratio mixed / healthz: {ratio:.2f} "
        f"(target ≥ 0.25: {'met' if ratio >= 0.25 else 'NOT met'})"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({"uptime": uptime, "health": health, "mixed": mixed, "ratio": ratio})
        )
    return 0 if ratio >= 0.25 and not mixed["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
