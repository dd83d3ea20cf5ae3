"""Celery tasks of the review app (STYLE §4: call a service, safe to run twice)."""

from __future__ import annotations

import datetime

from celery import shared_task

from review.services import rectification_mark_overdue


@shared_task(name="review.tasks.mark_rectifications_overdue")
def mark_rectifications_overdue(today: str | None = None) -> int:
    """Daily: flag 整改通知 past their due date while the township owes an answer."""

    return rectification_mark_overdue(today=datetime.date.fromisoformat(today) if today else None)
