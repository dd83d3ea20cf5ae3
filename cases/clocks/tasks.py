"""Celery tasks of the cases app. Tasks take ids, re-fetch, call a service, and are safe
to run twice (STYLE §4). They retry when the database or the broker is briefly
unavailable; a task that fails for good is recorded as a failed Job (relief/jobs.py)."""

from __future__ import annotations

import datetime
import traceback

from celery import shared_task

from cases.clocks import services
from cases.clocks.exports import export_statistics_job
from relief.jobs import RETRY, TRANSIENT, RecordedTask, job_fail


@shared_task(name="cases.tasks.scan_deadlines", base=RecordedTask, **RETRY)
def scan_deadlines(today: str | None = None) -> dict:
    """Daily (beat, settings.CELERY_BEAT_SCHEDULE) and by hand (`manage.py scan_deadlines`)."""
    day = datetime.date.fromisoformat(today) if today else None
    return services.scan_deadlines(today=day).as_dict()


@shared_task(name="cases.tasks.export_statistics", base=RecordedTask, tracks_job=True, **RETRY)
def export_statistics(job_id: int) -> int:
    """Build the statistics workbook for the job's owner, reporting progress as it goes."""
    try:
        export_statistics_job(job_id)
    except TRANSIENT:
        raise  # retried by Celery; the job stays "running" meanwhile
    except Exception as exc:
        job_fail(job_id, message=f"导出失败：{exc}", traceback=traceback.format_exc())
        raise
    return job_id
