"""Celery tasks of the standing list: monthly, a new version per village (safe to run twice:
a village with this month's automatic version is skipped); on demand, the clerk's job
(``standing_list_request`` queues it; an unchanged list makes no second version)."""

from __future__ import annotations

from celery import shared_task

from funds.publicity.services import standing_list_run_job, standing_lists_monthly
from relief.jobs import RETRY, RecordedTask


@shared_task(name="funds.publicity.tasks.regenerate_standing_lists")
def regenerate_standing_lists() -> dict:
    return standing_lists_monthly().as_dict()


@shared_task(
    name="funds.publicity.tasks.generate_standing_list",
    base=RecordedTask,
    tracks_job=True,
    **RETRY,
)
def generate_standing_list(job_id: int) -> int | None:
    version = standing_list_run_job(job_id=job_id)
    return version.pk if version is not None else None
