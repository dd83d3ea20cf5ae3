"""Demo data for 动态管理: a review schedule for every recipient and a few open reviews
(one opened by a member's death), for the living demo to call after the register is seeded."""

from __future__ import annotations

import datetime

from django.utils import timezone

from funds.dynamic.models import ReviewCase, ReviewTrigger
from funds.dynamic.services import review_open, review_schedule_refresh
from funds.recipients.models import Recipient, RecipientStatus
from relief.models import User


def seed_dynamic(*, actor: User, reviews: int = 3, today: datetime.date | None = None) -> int:
    """Schedules for every recipient without one, and up to ``reviews`` open review cases
    (the first for a death nine days ago). Returns the number of reviews opened; safe to
    run twice (recipients with an open review are skipped)."""
    today = today or timezone.localdate()
    recipients = list(
        Recipient.objects.exclude(status=RecipientStatus.STOPPED).order_by("pk")[:2000]
    )
    for recipient in recipients:
        review_schedule_refresh(recipient=recipient, from_day=recipient.first_month)
    busy = set(
        ReviewCase.objects.filter(applied_at__isnull=True).values_list("recipient_id", flat=True)
    )
    opened = 0
    for recipient in recipients:
        if opened >= reviews:
            break
        if recipient.pk in busy or recipient.township_id != actor.region_id:
            continue
        if opened == 0:
            review_open(
                recipient=recipient,
                actor=actor,
                trigger=ReviewTrigger.DEATH,
                died_on=today - datetime.timedelta(days=9),
                note="村协理员报告：户内成员去世",
            )
        else:
            review_open(recipient=recipient, actor=actor, trigger=ReviewTrigger.INCOME)
        opened += 1
    return opened
