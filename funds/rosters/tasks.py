"""Celery tasks of the rosters: take ids, re-fetch, call a service, safe to run twice."""

from __future__ import annotations

import datetime
import traceback

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone

from funds.rosters import services
from funds.rosters.models import RosterRun, RunState
from relief.jobs import RecordedTask, job_fail, job_finish, job_progress
from relief.models import Job


@shared_task(name="funds.rosters.tasks.compute_roster", base=RecordedTask, tracks_job=True)
def compute_roster(job_id: int) -> int:
    job = Job.objects.get(pk=job_id)
    run_id = job.params["run_id"]
    job_progress(job_id, 10, "正在计算各月应发金额")
    try:
        run = services.roster_compute(run_id=run_id)
    except ValidationError as exc:
        message = "；".join(exc.messages)
        services.roster_compute_failed(run_id=run_id, message=message)
        job_fail(job_id, message=message)
        return run_id
    except Exception as exc:
        services.roster_compute_failed(run_id=run_id, message=f"生成失败：{type(exc).__name__}")
        job_fail(
            job_id,
            message="花名册生成失败，请重新生成或联系管理员",
            traceback=traceback.format_exc(),
        )
        raise
    if run.state == RunState.PREPARED:
        job_finish(
            job_id,
            message=f"已生成 {run.line_count} 笔明细，银行发放合计 {run.bank_amount} 元",
        )
    return run_id


@shared_task(name="funds.rosters.tasks.export_roster", base=RecordedTask, tracks_job=True)
def export_roster(job_id: int) -> int:
    job = Job.objects.select_related("owner").get(pk=job_id)
    run = RosterRun.objects.get(pk=job.params["run_id"])
    job_progress(job_id, 10, "正在写出文件")
    export = services.roster_export(run=run, fmt=job.params["format"], actor=job.owner)
    job.params["export_id"] = export.pk
    Job.objects.filter(pk=job_id).update(params=job.params)
    job_finish(job_id, message=f"已导出 {export.row_count} 笔，合计 {export.total_amount} 元")
    return export.pk


@shared_task(name="funds.rosters.tasks.scheduled_rosters", base=RecordedTask)
def scheduled_rosters(today: str | None = None) -> list[int]:
    """Daily (beat): start the month's regular rosters of townships whose day it is."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    return [run.pk for run in services.roster_runs_scheduled(today=day)]
