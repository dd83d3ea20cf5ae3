"""A worker killed in the middle of a job: the task was acknowledged late, so the broker hands
it to the next worker, which finishes it once: one finished job, one file, no failed-task
record, nothing twice."""

import os
import signal
import time

import psycopg
import pytest
from django.db import connection
from openpyxl import load_workbook

from relief.celery import app
from relief.jobs import job_create
from relief.models import Job
from tests.worker import _start_worker, _stop_worker, missing_worker_services, skip_or_fail

pytestmark = pytest.mark.celery_worker

EXPORT_TASK = "cases.tasks.export_statistics"  # the deadline dashboard's XLSX export


def _raw_connection():
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    return psycopg.connect(**params)


def _wait(predicate, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}" + (f"; worker log:\n{log()}" if log else ""))


@pytest.fixture
def visibility_timeout(monkeypatch):
    # workers started by this test give an unacknowledged task back after 3 s
    monkeypatch.setenv("CELERY_VISIBILITY_TIMEOUT", "3")
    # ... and sweep for it every second (kombu's default sweep is every 10 × 10 s)
    monkeypatch.setenv("CELERY_UNACKED_RESTORE_INTERVAL", "1")
    monkeypatch.setenv("CELERY_UNACKED_RESTORE_THROTTLE", "1")
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False  # send_task goes through the broker
    yield
    app.conf.task_always_eager = saved


def test_a_job_whose_worker_is_killed_mid_run_is_redelivered_and_finishes_once(
    transactional_db, demo, settings, tmp_path, visibility_timeout, monkeypatch
):
    reason = missing_worker_services()
    if reason:
        skip_or_fail(reason)
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))  # the workers write the result file here
    db = dict(connection.settings_dict)
    job = job_create(kind="dashboard_export", owner=demo.user("supervisor"), params={"year": 2026})
    jobs_before = Job.objects.count()

    # Hold the job's row so the first worker blocks at its first progress write: it has
    # taken the task and started it, and cannot finish before it is killed.
    holder = _raw_connection()
    holder.execute("SELECT id FROM relief_job WHERE id = %s FOR UPDATE", [job.pk])
    first = _start_worker(app, db)
    try:
        app.send_task(EXPORT_TASK, args=[job.pk], queue=first.queue)

        def blocked():
            with _raw_connection() as probe:
                return probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE \"relief_job\"%%' AND datname = current_database()"
                ).fetchone()[0]

        _wait(blocked, 60, "the first worker to reach the job's progress write")
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(timeout=10)
    finally:
        holder.rollback()
        holder.close()
        _stop_worker(first)
    job.refresh_from_db()
    assert job.status != Job.Status.DONE and not job.result_file

    second = _start_worker(app, db)
    try:
        # the second worker listens on the same queue as the killed one
        app.control.add_consumer(first.queue, destination=[second.nodename], reply=True)
        # Generous: the broker gives the task back only after the visibility timeout, and a
        # loaded 2-core machine starts workers slowly.
        _wait(
            lambda: Job.objects.get(pk=job.pk).status == Job.Status.DONE,
            240,
            "the redelivered task to finish",
            log=second.log,
        )
        time.sleep(4)  # past another visibility timeout: the task is not run a third time
    finally:
        _stop_worker(second)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.progress == 100
    assert Job.objects.count() == jobs_before  # no failed-task record, no second job
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / job.result_file.name]  # one file, no partial or duplicate
    workbook = load_workbook(files[0])
    assert "按乡镇统计" in workbook.sheetnames
