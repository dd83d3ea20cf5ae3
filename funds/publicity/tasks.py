"""Celery task of the standing list: monthly, a new version per village (safe to run twice:
a village with this month's automatic version is skipped)."""

from __future__ import annotations

from celery import shared_task

from funds.publicity.services import standing_lists_monthly


@shared_task(name="funds.publicity.tasks.regenerate_standing_lists")
def regenerate_standing_lists() -> dict:
    return standing_lists_monthly().as_dict()
