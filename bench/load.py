"""Load test: a mixed clerk session against gunicorn on 127.0.0.1, beside /healthz.

Usage (against a database built by bench/bench_pages.py, whose demo accounts it uses)::

    DATABASE_URL=postgres://relief:relief@127.0.0.1:55432/relief_pagebench SECRET_KEY=… \\
        .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--workers 3] [--threads 1] \\
        [--pool-max 4] [--client http|fast]

It starts gunicorn (``relief.wsgi``, production settings: DEBUG off, pooled PostgreSQL,
``DB_POOL_MAX`` per worker) on a free port of 127.0.0.1, then runs locust headless, in
process, twice for ``--seconds`` each with ``--users`` users and no think time:

1. ``/healthz`` only (the trivial view: one ``SELECT 1``), the ceiling of the stack;
2. the mixed session of a township clerk: case list (weight 4), case page (3), list search
   (2), a transition and its reverse (1: 退回村级补充 ↔ 重新提交 on a draft case of its own).

and prints throughput and p95 per request, the ratio of the mixed throughput to the
/healthz throughput (target ≥ 0.25), and for each phase where the cores went (/proc):
gunicorn's master and workers, locust itself (this process), and the rest (PostgreSQL and
whatever else runs on the machine), with gunicorn's CPU per request — which tells whether
a phase was bound by the server, the database or the client. ``--client fast`` runs both
phases with locust's FastHttpUser instead of HttpUser. Bounded: at most 50 users and 300
seconds a phase.
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


def _ticks(pid: int) -> int:
    """User + system CPU of one process, in clock ticks (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _machine_busy() -> tuple[int, int]:
    """(busy, total) clock ticks of every core since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def cpu_sample(server_pid: int) -> dict:
    """CPU used so far by locust (this process), gunicorn (master and workers) and the whole
    machine, to tell which one a phase was bound by."""
    return {
        "locust": _ticks(os.getpid()),
        "gunicorn": _ticks(server_pid) + sum(_ticks(c) for c in _children(server_pid)),
        "machine": _machine_busy(),
    }


def cpu_used(before: dict, after: dict, seconds: float) -> dict:
    """Cores used on average during the phase: locust, gunicorn, the rest (PostgreSQL and
    whatever else runs on the shared machine), and the machine's cores in all."""
    hz = os.sysconf("SC_CLK_TCK")
    locust = (after["locust"] - before["locust"]) / hz / seconds
    gunicorn = (after["gunicorn"] - before["gunicorn"]) / hz / seconds
    busy = after["machine"][0] - before["machine"][0]
    total = after["machine"][1] - before["machine"][1]
    cores = os.cpu_count() or 1
    machine = busy / max(total, 1) * cores
    return {
        "locust": locust,
        "gunicorn": gunicorn,
        "rest": max(machine - locust - gunicorn, 0.0),
        "machine": machine,
        "cores": cores,
    }


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


def run_phase(user_class, *, host: str, users: int, seconds: int, server_pid: int) -> dict:
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
    before = cpu_sample(server_pid)
    gevent.sleep(seconds)
    cpu = cpu_used(before, cpu_sample(server_pid), seconds)
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
        "cpu": cpu,
    }


def user_classes(client: str = "http"):
    """Defined here so that locust (and gevent's monkey-patching) loads only when run.
    ``client``: "http" (locust's HttpUser, python-requests) or "fast" (FastHttpUser,
    geventhttpclient: several times less client CPU a request), the same for both phases."""
    import itertools
    import random

    from locust import FastHttpUser, HttpUser, constant, task

    numbering = itertools.count()
    base = FastHttpUser if client == "fast" else HttpUser

    def csrf_token(session) -> str:
        jar = getattr(session, "cookiejar", None)  # FastHttpSession
        if jar is None:
            return session.cookies.get("csrftoken", "")
        return next((c.value for c in jar if c.name == "csrftoken"), "")

    class HealthUser(base):
        wait_time = constant(0)

        def on_start(self):
            type(self).ready += 1

        @task
        def healthz(self):
            self.client.get("/healthz", name="/healthz")

    class ClerkSession(base):
        """A township clerk: lists, opens cases, searches, moves a draft case and back."""

        wait_time = constant(0)

        def on_start(self):
            self.client.get("/login/", name="/login/")
            self.client.post(
                "/login/",
                {
                    "username": "clerk",
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": csrf_token(self.client),
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
                    "csrfmiddlewaretoken": csrf_token(self.client),
                },
                name="/cases/<id>/transitions/",
            )
            if response.status_code < 400:
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
    parser.add_argument(
        "--client",
        choices=("http", "fast"),
        default="http",
        help="locust's HttpUser (python-requests) or FastHttpUser, for both phases",
    )
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
        f"connections per worker; {args.users} users ({args.client} client), {args.seconds} s "
        f"a phase; uptime: {uptime}"
    )
    server = start_gunicorn(
        port, workers=args.workers, threads=args.threads, pool_max=args.pool_max
    )
    try:
        health_user, clerk_session = user_classes(args.client)
        host = f"http://127.0.0.1:{port}"
        phase = {"host": host, "users": args.users, "seconds": args.seconds}
        health = run_phase(health_user, **phase, server_pid=server.pid)
        mixed = run_phase(clerk_session, **phase, server_pid=server.pid)
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
    for label, phase in (("/healthz", health), ("mixed session", mixed)):
        cpu = phase["cpu"]
        print(
            f"{label}: cores busy {cpu['machine']:.2f} of {cpu['cores']} — gunicorn "
            f"{cpu['gunicorn']:.2f}, locust {cpu['locust']:.2f}, the rest (PostgreSQL, other "
            f"users of the machine) {cpu['rest']:.2f}; gunicorn CPU per request "
            f"{cpu['gunicorn'] / max(phase['rps'], 1e-9) * 1000:.1f} ms"
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
