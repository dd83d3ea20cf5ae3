"""The deadline scan and the statistics export through Redis to a real Celery worker
(tests/worker.py ``celery_worker_process``), not eagerly. Skipped locally without
REDIS_URL / PostgreSQL; under CI=true a missing service fails the test."""

from __future__ import annotations

import datetime
import time

import pytest

from cases.clocks.tasks import export_statistics, scan_deadlines
from cases.models import CaseClock
from cases.workflow.tests.helpers import go, make_case
from relief.celery import app
from relief.jobs import job_start
from relief.models import Job, Notification

pytestmark = pytest.mark.celery_worker


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_the_deadline_scan_runs_on_the_worker_through_the_broker(celery_worker_process, demo):
    assert app.conf.task_always_eager is False
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", on=datetime.date(2026, 3, 2))
    result = scan_deadlines.delay("2026-03-31")
    summary = result.get(timeout=60)
    assert summary["overdue_marked"] == 1 and summary["notifications"] > 0
    assert CaseClock.objects.get(case=case).overdue is True
    assert (
        Notification.objects.filter(dedupe_key=f"clock:{case.pk}:overdue:2026-03-30").count() == 2
    )
    # A second run through the broker changes nothing.
    again = scan_deadlines.delay("2026-03-31").get(timeout=60)
    assert again["overdue_marked"] == 0 and again["notifications"] == 0


def test_the_statistics_export_job_runs_on_the_worker_and_reports_progress(
    celery_worker_process, demo
):
    case = make_case(demo.gushu)
    go(case, "accept", "clerk", on=datetime.date(2026, 3, 2))
    job = job_start(
        kind="statistics_export",
        owner=demo.user("supervisor"),
        task=export_statistics,
        params={"year": 2026},
    )
    assert _wait_for(lambda: Job.objects.get(pk=job.pk).finished), (
        "the worker did not finish the export in time"
    )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.traceback
    assert job.progress == 100 and job.task_id
    with job.result_file.open("rb") as fh:
        assert fh.read(2) == b"PK"  # an XLSX (zip) file
