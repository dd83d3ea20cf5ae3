"""Working-day calendar (DOMAIN §5).

Built on ``chinesecalendar`` (State Council holidays and 调休 make-up workdays) plus the
administrator-editable ``WorkdayOverride`` table, which wins. For a year neither knows,
Monday–Friday is assumed and the answer is flagged *unconfirmed* instead of failing
(chinesecalendar raises NotImplementedError outside its data, e.g. for 2027 today).

The day a period starts on is not counted (民法典 Art.201): ``add_workdays(Friday, 1)`` is
the next Monday.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import chinese_calendar

_ONE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class WorkdayResult:
    date: datetime.date
    confirmed: bool  # False when any day walked over was beyond known holiday data


def _known_by_package(day: datetime.date) -> bool | None:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _overrides(start: datetime.date, end: datetime.date) -> dict[datetime.date, bool]:
    from relief.models import WorkdayOverride

    return dict(WorkdayOverride.objects.filter(date__range=(start, end)).values_list("date", "is_workday"))


def _day_info(day: datetime.date, overrides: dict[datetime.date, bool]) -> tuple[bool, bool]:
    """(is working day, confirmed)."""
    if day in overrides:
        return overrides[day], True
    known = _known_by_package(day)
    if known is not None:
        return known, True
    return day.weekday() < 5, False


def is_workday(day: datetime.date) -> bool:
    return _day_info(day, _overrides(day, day))[0]


def is_confirmed(day: datetime.date) -> bool:
    """Whether ``day`` is covered by known holiday data (package or override)."""
    return _day_info(day, _overrides(day, day))[1]


def add_workdays_info(start: datetime.date, n: int) -> WorkdayResult:
    """The date ``n`` working days after ``start`` (start not counted), and whether every
    day counted was known data. ``n == 0`` returns ``start``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    # n working days never span more than ~n*7/5 + the longest holiday block (Spring Festival ≤ 9 days)
    window_end = start + datetime.timedelta(days=n * 2 + 40)
    overrides = _overrides(start, window_end)
    day, counted, confirmed = start, 0, True
    while counted < n:
        day += _ONE
        if day > window_end:  # pathological override data: extend the window
            window_end = day + datetime.timedelta(days=n * 2 + 40)
            overrides.update(_overrides(day, window_end))
        workday, known = _day_info(day, overrides)
        confirmed = confirmed and known
        if workday:
            counted += 1
    return WorkdayResult(day, confirmed)


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    return add_workdays_info(start, n).date


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start).
    Used for processing-time statistics: the inverse of ``add_workdays``."""
    if end <= start:
        return 0
    overrides = _overrides(start, end)
    day, count = start, 0
    while day < end:
        day += _ONE
        if _day_info(day, overrides)[0]:
            count += 1
    return count


def known_years() -> tuple[int, int]:
    """The range of years chinesecalendar has data for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
