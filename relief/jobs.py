"""Long background jobs with progress, and the record of tasks that failed for good.

A view calls ``job_start(kind=..., owner=..., task=..., params=...)``: the Job row is
created and the Celery task is queued after commit with the job id. The task calls
``job_progress`` as it goes and ``job_finish`` with the file it produced; the page polls
the row (htmx, every second) and offers the download to the owner only.

``RecordedTask`` is the Celery base class for every task of the project: when a task has
exhausted its retries (or fails with an error it does not retry), ``on_failure`` writes a
failed Job row with the traceback, which administrators see on the 后台任务 page.
"""

from __future__ import annotations

import logging

from celery import Task
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from relief.models import Job

log = logging.getLogger(__name__)

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


def job_create(*, kind: str, owner=None, params: dict | None = None, message: str = "") -> Job:
    return Job.objects.create(
        kind=kind, owner=owner, params=params or {}, message=message or "排队中"
    )


def job_start(*, kind: str, owner, task, params: dict | None = None) -> Job:
    """Create the job and queue ``task(job_id)`` once the row is committed."""
    job = job_create(kind=kind, owner=owner, params=params)

    def _send(job_id=job.pk):
        result = task.delay(job_id)
        Job.objects.filter(pk=job_id, task_id="").update(task_id=result.id or "")

    transaction.on_commit(_send)
    return job


def job_progress(job_id: int, progress: int, message: str = "") -> None:
    """Record progress (0–100) in its own short write so the polling page sees it at once."""
    progress = max(0, min(100, int(progress)))
    fields = {"progress": progress, "status": Job.Status.RUNNING}
    if message:
        fields["message"] = message[:300]
    Job.objects.filter(pk=job_id).exclude(status__in=[Job.Status.DONE, Job.Status.FAILED]).update(
        **fields
    )


def job_finish(
    job_id: int, *, content: bytes | None = None, filename: str = "", message: str = "已完成"
) -> Job:
    job = Job.objects.get(pk=job_id)
    if content is not None:
        job.result_file.save(filename or f"job-{job_id}", ContentFile(content), save=False)
        job.result_name = filename
    job.status = Job.Status.DONE
    job.progress = 100
    job.message = message[:300]
    job.finished_at = timezone.now()
    job.save()
    return job


def job_fail(job_id: int, *, message: str, traceback: str = "") -> None:
    Job.objects.filter(pk=job_id).update(
        status=Job.Status.FAILED,
        message=message[:300],
        traceback=traceback,
        finished_at=timezone.now(),
    )


def record_failed_task(*, task_name: str, task_id: str, args, kwargs, exc, traceback: str) -> Job:
    """A task that failed for good: kept as a failed Job for the administrators' page."""
    return Job.objects.create(
        kind=task_name,
        status=Job.Status.FAILED,
        progress=0,
        message=f"{type(exc).__name__}: {exc}"[:300],
        params={
            "args": [repr(a) for a in (args or [])],
            "kwargs": {k: repr(v) for k, v in (kwargs or {}).items()},
        },
        task_id=task_id or "",
        traceback=traceback or "",
        finished_at=timezone.now(),
    )


class RecordedTask(Task):
    """Celery base task: a final failure is written down (and a user's job marked failed)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        tb = str(einfo) if einfo is not None else ""
        try:
            record_failed_task(
                task_name=self.name,
                task_id=task_id,
                args=args,
                kwargs=kwargs,
                exc=exc,
                traceback=tb,
            )
            job_id = (kwargs or {}).get("job_id") or (
                args[0] if args and isinstance(args[0], int) else None
            )
            if job_id and getattr(self, "tracks_job", False):
                job_fail(job_id, message="任务执行失败，请稍后重试或联系管理员", traceback=tb)
        except Exception:  # the database itself may be what failed; the log still has it
            log.exception("could not record the failure of task %s %s", self.name, task_id)
        super().on_failure(exc, task_id, args, kwargs, einfo)
