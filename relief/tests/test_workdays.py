"""The working-day calendar (DOMAIN §5): chinesecalendar plus administrator overrides,
Monday–Friday beyond known data, flagged unconfirmed."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relief.models import WorkdayOverride
from relief.workdays import (
    add_workdays,
    add_workdays_info,
    day_info,
    is_confirmed,
    is_workday,
    month_days,
    workdays_back,
    workdays_between,
    year_confirmed,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def test_the_start_day_is_not_counted_so_friday_plus_one_is_monday():
    friday = D(2026, 3, 6)
    assert add_workdays(friday, 1) == D(2026, 3, 9)


def test_zero_working_days_is_the_start_day_itself():
    assert add_workdays(D(2026, 3, 6), 0) == D(2026, 3, 6)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        add_workdays(D(2026, 3, 6), -1)


def test_the_make_up_saturday_of_2026_02_14_is_a_workday():
    assert D(2026, 2, 14).weekday() == 5
    assert is_workday(D(2026, 2, 14))
    assert day_info(D(2026, 2, 14)).kind == "makeup"


def test_friday_before_the_make_up_saturday_plus_one_is_that_saturday():
    assert add_workdays(D(2026, 2, 13), 1) == D(2026, 2, 14)


def test_the_spring_festival_2026_is_skipped():
    for offset in range(9):
        day = D(2026, 2, 15) + datetime.timedelta(days=offset)
        assert not is_workday(day), day
    assert day_info(D(2026, 2, 17)).note == "春节"
    # 2/14 (Sat, make-up) is counted, then 2/15–23 are off: the next is Tuesday 2/24
    assert add_workdays(D(2026, 2, 13), 2) == D(2026, 2, 24)
    assert add_workdays(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_twenty_working_days_from_an_acceptance_before_the_spring_festival():
    # 2/2..2/13 = 10 workdays, 2/14 = 11, then 2/24.. : 2/24,25,26,27 (15),
    # 2/28 Sat make-up (16), 3/2,3,4,5 (20)
    result = add_workdays_info(D(2026, 1, 30), 20)
    assert result.date == D(2026, 3, 5)
    assert result.confirmed


def test_a_deadline_crossing_into_2027_is_unconfirmed_and_falls_back_to_monday_to_friday():
    # Thursday 2026-12-24; 2026-12-25 Fri, then 12/28–31, then 2027-01-01 (Fri)
    # counted as a workday by fallback
    result = add_workdays_info(D(2026, 12, 24), 6)
    assert result.date == D(2027, 1, 1)
    assert result.confirmed is False
    assert not is_confirmed(D(2027, 1, 4))
    assert is_confirmed(D(2026, 12, 31))
    assert not year_confirmed(2027)


def test_a_deadline_inside_known_data_stays_confirmed():
    assert add_workdays_info(D(2026, 12, 24), 5).confirmed is True


def test_an_override_for_2027_makes_the_deadline_confirmed_and_changes_the_result():
    WorkdayOverride.objects.create(date=D(2027, 1, 1), is_workday=False, note="元旦")
    result = add_workdays_info(D(2026, 12, 24), 6)
    assert result.date == D(2027, 1, 4)
    assert result.confirmed is True
    assert year_confirmed(2027)
    # other dates of a year the administrator entered follow Monday–Friday and are confirmed
    assert is_confirmed(D(2027, 3, 3)) and is_workday(D(2027, 3, 3))
    assert not is_workday(D(2027, 3, 6))


def test_an_override_beats_chinesecalendar():
    assert is_workday(D(2026, 3, 10))
    WorkdayOverride.objects.create(date=D(2026, 3, 10), is_workday=False, note="临时停工")
    assert not is_workday(D(2026, 3, 10))
    assert add_workdays(D(2026, 3, 9), 1) == D(2026, 3, 11)


def test_a_make_up_saturday_override_in_an_unknown_year_is_a_workday():
    WorkdayOverride.objects.create(date=D(2027, 2, 20), is_workday=True, note="春节调休上班")
    assert day_info(D(2027, 2, 20)).kind == "makeup"
    assert add_workdays(D(2027, 2, 19), 1) == D(2027, 2, 20)


def test_workdays_between_counts_after_start_up_to_and_including_end():
    assert workdays_between(D(2026, 3, 6), D(2026, 3, 9)) == 1
    assert workdays_between(D(2026, 3, 9), D(2026, 3, 9)) == 0
    assert workdays_between(D(2026, 3, 9), D(2026, 3, 1)) == 0
    assert workdays_between(D(2026, 2, 13), D(2026, 2, 24)) == 2


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30)),
    n=st.integers(min_value=0, max_value=60),
)
def test_workdays_between_is_the_inverse_of_add_workdays(start, n):
    assert workdays_between(start, add_workdays(start, n)) == n


@settings(max_examples=60, deadline=None)
@given(
    end=st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 6, 30)),
    n=st.integers(min_value=0, max_value=20),
)
def test_workdays_back_is_the_latest_start_whose_period_is_over_by_the_end(end, n):
    start = workdays_back(end, n)
    assert add_workdays(start, n) <= end
    assert add_workdays(start + datetime.timedelta(days=1), n) > end


def test_one_working_day_back_from_a_monday_is_the_sunday_before():
    # Published on Saturday or Sunday: one working day has passed by Monday.
    assert workdays_back(D(2026, 3, 9), 1) == D(2026, 3, 8)
    assert workdays_back(D(2026, 3, 10), 1) == D(2026, 3, 9)


def test_the_month_view_marks_holidays_make_up_days_and_unconfirmed_dates():
    feb = {d.date: d for d in month_days(2026, 2)}
    assert len(feb) == 28
    assert feb[D(2026, 2, 14)].kind == "makeup"
    assert feb[D(2026, 2, 16)].kind == "holiday"
    assert feb[D(2026, 2, 7)].kind == "weekend"
    assert feb[D(2026, 2, 10)].kind == "workday"
    jan27 = month_days(2027, 1)
    assert all(not d.confirmed for d in jan27)


def test_a_deadline_costs_one_query_however_long(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_workdays_info(D(2026, 1, 5), 45)
    with django_assert_num_queries(1):
        workdays_between(D(2026, 1, 5), D(2026, 12, 31))
