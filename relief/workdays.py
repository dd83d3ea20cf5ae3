"""Working-day calendar (DOMAIN §5).

Built on ``chinesecalendar`` (State Council holidays and 调休 make-up workdays) plus the
administrator-editable ``WorkdayOverride`` table, which wins. Each year's schedule is
published around November; for a year neither the package nor the administrator knows,
Monday–Friday is assumed and the answer is flagged *unconfirmed* instead of failing
(chinesecalendar raises NotImplementedError outside its data, e.g. for 2027 today).

A year counts as known to the administrator once any override for it exists: the
administrator enters the published holidays and make-up workdays of that year, and every
other date of the year then follows Monday–Friday, which is exactly the published rule.

The day a period starts on is not counted (民法典 Art.201): ``add_workdays(Friday, 1)`` is
the next Monday.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import chinese_calendar

from relief.models import WorkdayOverride

_ONE = datetime.timedelta(days=1)


@dataclass(frozen=True)
class WorkdayResult:
    date: datetime.date
    confirmed: bool  # False when any day walked over was beyond known holiday data


@dataclass(frozen=True)
class DayInfo:
    date: datetime.date
    is_workday: bool
    confirmed: bool
    kind: str  # "workday" | "weekend" | "holiday" | "makeup" (调休上班)
    note: str = ""
    overridden: bool = False


def package_years() -> tuple[int, int]:
    """The range of years chinesecalendar has data for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


known_years = package_years  # backwards-compatible name


def _package_knows(year: int) -> bool:
    first, last = package_years()
    return first <= year <= last


class _Calendar:
    """Override rows and administrator-known years for a date window (two queries)."""

    def __init__(self, start: datetime.date, end: datetime.date):
        self.overrides: dict[datetime.date, tuple[bool, str]] = {}
        self.admin_years: set[int] = set()
        self.load(start, end)

    def load(self, start: datetime.date, end: datetime.date) -> None:
        """One query: every override of the years the window touches (a few dozen rows
        a year), which answers both the dates and which years the administrator entered."""

        rows = WorkdayOverride.objects.filter(
            date__year__gte=start.year, date__year__lte=end.year
        ).values_list("date", "is_workday", "note")
        for day, workday, note in rows:
            self.overrides[day] = (workday, note)
            self.admin_years.add(day.year)

    def info(self, day: datetime.date) -> DayInfo:
        weekend = day.weekday() >= 5
        if day in self.overrides:
            workday, note = self.overrides[day]
            kind = (
                ("makeup" if weekend else "workday")
                if workday
                else ("weekend" if weekend and not note else "holiday")
            )
            return DayInfo(day, workday, True, kind, note, overridden=True)
        if _package_knows(day.year):
            workday = chinese_calendar.is_workday(day)
            holiday_name = ""
            if not workday:
                on_holiday, name = chinese_calendar.get_holiday_detail(day)
                if on_holiday and name:
                    name = name if isinstance(name, str) else name.value
                    holiday_name = _HOLIDAY_LABELS.get(name, name)
            if workday:
                kind = "makeup" if weekend else "workday"
            else:
                kind = "holiday" if holiday_name else "weekend"
            return DayInfo(day, workday, True, kind, holiday_name)
        confirmed = day.year in self.admin_years
        return DayInfo(day, not weekend, confirmed, "weekend" if weekend else "workday")


_HOLIDAY_LABELS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


def day_info(day: datetime.date) -> DayInfo:
    return _Calendar(day, day).info(day)


def is_workday(day: datetime.date) -> bool:
    return day_info(day).is_workday


def is_confirmed(day: datetime.date) -> bool:
    """Whether ``day`` is covered by known holiday data (package or administrator)."""
    return day_info(day).confirmed


def year_confirmed(year: int) -> bool:
    """Whether the holiday schedule of ``year`` is known (package data or overrides)."""

    return _package_knows(year) or WorkdayOverride.objects.filter(date__year=year).exists()


def add_workdays_info(start: datetime.date, n: int) -> WorkdayResult:
    """The date ``n`` working days after ``start`` (start not counted), and whether every
    day counted was known data. ``n == 0`` returns ``start``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    # n working days never span more than ~n*7/5 + the longest holiday block
    # (Spring Festival ≤ 9 days)
    window_end = start + datetime.timedelta(days=n * 2 + 40)
    cal = _Calendar(start, window_end)
    day, counted, confirmed = start, 0, True
    while counted < n:
        day += _ONE
        if day > window_end:  # pathological override data: extend the window
            window_end = day + datetime.timedelta(days=n * 2 + 40)
            cal.load(day, window_end)
        info = cal.info(day)
        confirmed = confirmed and info.confirmed
        if info.is_workday:
            counted += 1
    return WorkdayResult(day, confirmed)


def add_workdays(start: datetime.date, n: int) -> datetime.date:
    return add_workdays_info(start, n).date


def workdays_back(end: datetime.date, n: int) -> datetime.date:
    """The latest start for which ``add_workdays(start, n) <= end``: a period of ``n``
    working days begun on that day or earlier is over by ``end``. One query, so a list can
    compare every row's start with it instead of counting working days per row."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return end
    window_start = end - datetime.timedelta(days=n * 2 + 40)
    cal = _Calendar(window_start, end)
    day, counted = end, 0
    while True:
        if day < window_start:  # pathological override data: extend the window
            window_start = day - datetime.timedelta(days=n * 2 + 40)
            cal.load(window_start, day)
        if cal.info(day).is_workday:
            counted += 1
            if counted == n:
                return day - _ONE
        day -= _ONE


def workdays_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if end <= start).
    Used for processing-time statistics: the inverse of ``add_workdays``."""
    if end <= start:
        return 0
    cal = _Calendar(start, end)
    day, count = start, 0
    while day < end:
        day += _ONE
        if cal.info(day).is_workday:
            count += 1
    return count


def workdays_left(today: datetime.date, dues: Iterable[datetime.date]) -> dict[datetime.date, int]:
    """For each due date: the working days from ``today`` up to it (``workdays_between``),
    negative for one already past (the working days since). One calendar read for them
    all, so a list shows every row's count without a query per row."""
    dues = set(dues)
    if not dues:
        return {}
    low, high = min(min(dues), today), max(max(dues), today)
    cal = _Calendar(low, high)
    counts: dict[datetime.date, int] = {}
    running, day = 0, low
    while day < high:  # working days after ``low`` up to each day
        day += _ONE
        if cal.info(day).is_workday:
            running += 1
        counts[day] = running
    counts[low] = 0
    return {due: counts[due] - counts[today] for due in dues}


def month_days(year: int, month: int) -> list[DayInfo]:
    """Every day of a month with its kind, for the administrator's month view."""
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    cal = _Calendar(first, last)
    return [cal.info(first + datetime.timedelta(days=i)) for i in range((last - first).days + 1)]
