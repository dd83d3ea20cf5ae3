"""Month arithmetic of 动态管理 (review due dates, 渐退 stop months, record expiry)."""

from __future__ import annotations

import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months (the last day of a shorter month)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    following = datetime.date(year + (month0 == 11), (month0 + 1) % 12 + 1, 1)
    last = (following - datetime.timedelta(days=1)).day
    return datetime.date(year, month0 + 1, min(day.day, last))
