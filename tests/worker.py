"""A real Celery worker for tests (pytest plugin, loaded from the root conftest.py).

Usage::

    @pytest.mark.celery_worker
    def test_something_runs_on_the_worker(celery_worker_process):
        result = my_task.delay(arg)
        assert result.get(timeout=20) == expected

``celery_worker_process`` starts ``celery -A relief worker`` once per test session as a
subprocess with:

- ``DATABASE_URL`` pointing at the pytest *test* database (e.g. ``test_relief``), so the worker
  sees the rows the test wrote — the fixture pulls in ``transactional_db`` because rows in the
  usual rolled-back ``db`` transaction are invisible to another process;
- ``REDIS_URL`` as the test run has it, ``CELERY_EAGER=0`` and a queue of its own
  (``CELERY_QUEUE=pytest-<random>``), so several test runs sharing one Redis never take each
  other's tasks;
- it waits until the worker answers a control ping, and stops it (SIGTERM, then SIGKILL) at
  the end of the session. The worker's log is printed if it fails to start.

While the fixture is active, ``task.delay()`` in the test goes through the broker; everywhere
else in the suite Celery stays eager (see ``celery_eager_by_default`` in conftest.py).

Needs PostgreSQL (an in-memory SQLite test database cannot be shared with a subprocess) and
``REDIS_URL``. Without them the test is skipped locally and FAILS under ``CI=true``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

# Django and project modules are imported inside the functions: this plugin is loaded
# before pytest-django has configured Django.

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 60


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def skip_or_fail(reason: str) -> None:
    """Skip locally; under CI=true a missing service is a failure, never a skip."""
    if in_ci():
        pytest.fail(f"CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


def missing_worker_services() -> str | None:
    from django.conf import settings

    if not settings.REDIS_URL:
        return "needs a Redis broker: set REDIS_URL (and DATABASE_URL for PostgreSQL)"
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return "needs PostgreSQL: the worker cannot share the in-memory SQLite test database"
    return None


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, nodename: str, queue: str, log_path: Path):
        self.proc = proc
        self.nodename = nodename
        self.queue = queue
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _start_worker(app, db_settings: dict) -> WorkerProcess:
    queue = f"pytest-{uuid.uuid4().hex[:10]}"
    nodename = f"{queue}@localhost"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db_settings),
        "CELERY_EAGER": "0",
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "relief.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "pytest-worker-secret-" + "w" * 40,
        "DB_POOL_MIN": "0",
    }
    log_path = Path(tempfile.mkstemp(prefix="relief-worker-", suffix=".log")[1])
    cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "relief",
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-Q",
        queue,
        "-n",
        nodename,
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = WorkerProcess(proc, nodename, queue, log_path)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited with {proc.returncode}:\n{worker.log()}")
        if app.control.ping(destination=[nodename], timeout=0.5):
            return worker
        time.sleep(0.3)
    _stop_worker(worker)
    raise RuntimeError(
        f"celery worker did not answer a ping in {START_TIMEOUT_S}s:\n{worker.log()}"
    )


def _stop_worker(worker: WorkerProcess) -> None:
    if worker.proc.poll() is None:
        worker.proc.terminate()
        try:
            worker.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.proc.kill()
            worker.proc.wait(timeout=5)
    worker.log_path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def _celery_worker_session(django_db_setup, django_db_blocker):
    reason = missing_worker_services()
    if reason:
        skip_or_fail(reason)
    from django.db import connection

    from relief.celery import app

    # After django_db_setup the connection's settings name the test database (test_relief).
    worker = _start_worker(app, dict(connection.settings_dict))
    try:
        yield worker
    finally:
        _stop_worker(worker)


@pytest.fixture
def celery_worker_process(transactional_db, _celery_worker_session):
    """A real ``celery -A relief worker`` on the test database (see the module docstring)."""
    from relief.celery import app

    worker = _celery_worker_session
    if worker.proc.poll() is not None:
        pytest.fail(f"celery worker died (exit {worker.proc.returncode}):\n{worker.log()}")
    saved = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = worker.queue
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = saved
