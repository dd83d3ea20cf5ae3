"""Celery tasks of the archive: the export job and the daily deletion of old exports.
Tasks take ids, re-fetch and are safe to run twice (archive/exports/build.py)."""

from __future__ import annotations

import traceback

from celery import shared_task

from archive.exports.build import export_build, export_mark_failed
from archive.exports.cleanup import export_delete_expired
from relief.jobs import RETRY, TRANSIENT, RecordedTask, job_fail


@shared_task(name="archive.tasks.build_export", base=RecordedTask, tracks_job=True, **RETRY)
def build_export(job_id: int) -> int:
    try:
        export_build(job_id)
    except TRANSIENT:
        raise  # retried by Celery; the run starts the ZIP again from the beginning
    except Exception as exc:
        export_mark_failed(job_id, f"导出失败：{exc}")
        job_fail(job_id, message=f"导出失败：{exc}", traceback=traceback.format_exc())
        raise
    return job_id


@shared_task(name="archive.tasks.delete_expired_exports", base=RecordedTask, **RETRY)
def delete_expired_exports() -> int:
    """Daily (beat, settings.CELERY_BEAT_SCHEDULE)."""
    return export_delete_expired()
