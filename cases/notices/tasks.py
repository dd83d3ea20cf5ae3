"""The notice's daily task (beat, settings.CELERY_BEAT_SCHEDULE): pause the clocks of the
batches whose first day has come, close the batches whose period is over and flag those
still without their posting photo. It calls the services and
is safe to run twice: a closed batch is never touched again and each warning is sent once."""

from __future__ import annotations

import datetime

from celery import shared_task

from cases.notices.services import (
    batches_close_due,
    batches_start_due,
    batches_warn_missing_photo,
)
from relief.jobs import RETRY, RecordedTask


@shared_task(name="cases.notices.tasks.close_due_batches", base=RecordedTask, **RETRY)
def close_due_batches(today: str | None = None) -> dict:
    """Each batch closed moves its cases without an objection on (signed by the system with
    the batch number) and notifies the township's clerks (``batches_close_due``)."""
    day = datetime.date.fromisoformat(today) if today else None
    started = batches_start_due(today=day)
    result = batches_close_due(today=day).as_dict()
    result["clocks_paused"] = started
    result["photo_missing"] = batches_warn_missing_photo(today=day)
    return result
