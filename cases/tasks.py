"""Celery tasks of the cases app. Tasks take ids, re-fetch, call a service, and are safe
to run twice (STYLE §4). They retry when the database or the broker is briefly
unavailable; a task that fails for good is recorded as a failed Job (relief/jobs.py)."""

from __future__ import annotations

import datetime
import smtplib
import traceback

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from relief.jobs import RecordedTask

#: Transient failures worth retrying: the database or the broker/cache going away briefly.
TRANSIENT = (
    OperationalError,
    InterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="cases.tasks.scan_deadlines", base=RecordedTask, **RETRY)
def scan_deadlines(today: str | None = None) -> dict:
    """Daily (beat, settings.CELERY_BEAT_SCHEDULE) and by hand (`manage.py scan_deadlines`)."""
    from cases.clocks import scan_deadlines as scan

    day = datetime.date.fromisoformat(today) if today else None
    return scan(today=day).as_dict()


@shared_task(
    name="cases.tasks.send_notification_emails",
    base=RecordedTask,
    **{**RETRY, "autoretry_for": (*TRANSIENT, smtplib.SMTPException, OSError)},
)
def send_notification_emails(notification_ids: list[int]) -> int:
    from cases.clocks import send_notification_emails as send

    return send(notification_ids)


@shared_task(name="cases.tasks.export_statistics", base=RecordedTask, tracks_job=True, **RETRY)
def export_statistics(job_id: int) -> int:
    """Build the statistics workbook for the job's owner, reporting progress as it goes."""
    from cases.clock_stats import export_statistics_job
    from relief.jobs import job_fail

    try:
        export_statistics_job(job_id)
    except TRANSIENT:
        raise  # retried by Celery; the job stays "running" meanwhile
    except Exception as exc:
        job_fail(job_id, message=f"导出失败：{exc}", traceback=traceback.format_exc())
        raise
    return job_id
