"""Rules of the notice that both the pages and the daily task read: when a published batch
without its posting photo is flagged (the policy's ``notice_photo_warning_wd`` working days
after publication, relief/workdays.py). Reads only."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases.notices.models import BatchState, NoticeBatch
from relief.models import Region
from relief.policy import policy_for
from relief.workdays import add_workdays, workdays_back


def photo_warning_due_on(batch: NoticeBatch) -> datetime.date | None:
    """The day a published batch without its posting photo is flagged to the clerk: the
    policy's working days (``notice_photo_warning_wd``) after publication; None when the
    photo is in or the batch is not on the wall."""
    if batch.state != BatchState.PUBLISHED or batch.photo_uploaded_at or not batch.published_at:
        return None
    published = timezone.localdate(batch.published_at)
    days = policy_for(batch.township, timezone.localdate()).notice_photo_warning_wd
    return add_workdays(published, days)


class PhotoCheck:
    """Which published batches lack their posting photo past the policy's working days, on
    ``today``: one policy read and one calendar read per township however many batches are
    checked (``relief.workdays.workdays_back``), so a list costs the same for 3 or 30 rows."""

    def __init__(self, today: datetime.date | None = None):
        self.today = today or timezone.localdate()
        self._cutoffs: dict[int, datetime.date] = {}

    def cutoff(self, township: Region) -> datetime.date:
        """Batches published on this day or earlier are overdue."""
        if township.pk not in self._cutoffs:
            days = policy_for(township, self.today).notice_photo_warning_wd
            self._cutoffs[township.pk] = workdays_back(self.today, days)
        return self._cutoffs[township.pk]

    def missing(self, batch: NoticeBatch) -> bool:
        if batch.state != BatchState.PUBLISHED or batch.photo_uploaded_at:
            return False
        if batch.published_at is None:
            return False
        return timezone.localdate(batch.published_at) <= self.cutoff(batch.township)


def photo_missing(batch: NoticeBatch, *, today: datetime.date | None = None) -> bool:
    return PhotoCheck(today).missing(batch)
