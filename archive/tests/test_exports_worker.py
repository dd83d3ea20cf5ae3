"""The archive export through Redis to a real Celery worker (tests/worker.py), not eagerly.
Skipped locally without REDIS_URL / PostgreSQL; under CI=true a missing service fails."""

from __future__ import annotations

import datetime
import os
import time
import zipfile

import pytest

from archive.exports.build import export_file_path
from archive.exports.services import export_request
from archive.models import ArchiveExport
from archive.tests.helpers import decided_case
from cases.models import CaseState

pytestmark = pytest.mark.celery_worker


def test_the_export_job_runs_on_the_worker_and_offers_a_complete_zip(celery_worker_process, demo):
    for name in ("张三丰", "李四"):
        decided_case(demo.village, name=name)
    export = export_request(
        user=demo.user("supervisor"),
        data={
            "townships": [demo.gushu.pk],
            "types": ["dibao_rural"],
            "states": [CaseState.PAYING],
            "date_from": datetime.date(2026, 10, 1),
            "date_to": datetime.date(2026, 10, 31),
        },
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.finished:
            break
        time.sleep(0.5)
    assert export.status == ArchiveExport.Status.DONE, (export.status, export.job.traceback)
    assert export.job.task_id and export.job.progress == 100
    path = export_file_path(export)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            assert archive.testzip() is None
        assert len([n for n in names if n.endswith(".pdf")]) == 2
        assert {"manifest.csv", "manifest.sha256"} <= set(names)
    finally:
        os.remove(path)
