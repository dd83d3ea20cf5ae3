"""Seed 002: other (non-急难型) 临时救助 is handled within 12 working days of 受理, a policy
setting on the one clock engine (cases.clocks); the 急难型 file keeps its own limit."""

from __future__ import annotations

import datetime

from cases.models import CaseClock
from cases.workflow.tests.helpers import fast_passwords, go, make_case  # noqa: F401
from relief.models import PolicySetting

D = datetime.date


def test_an_expenditure_case_gets_12_working_days_across_the_national_day_holiday(demo):
    case = make_case(demo.gushu, "temp_expense")
    go(case, "accept", "clerk", on=D(2026, 9, 29))  # a Tuesday
    clock = CaseClock.objects.get(case=case)
    # 9/30 is 1; 10/1–10/7 are off; 10/8, 10/9 and the make-up Saturday 10/10 are 2–4;
    # 10/12–10/16 are 5–9; 10/19, 10/20, 10/21 are 10–12.
    assert clock.limit_wd == 12
    assert clock.overall_due == D(2026, 10, 21)
    assert clock.overall_confirmed


def test_the_limit_is_the_county_setting(demo):
    PolicySetting.objects.create(
        region=demo.county, key="temp_other_limit_wd", value=8, effective_from=D(2020, 1, 1)
    )
    case = make_case(demo.gushu, "temp_expense")
    go(case, "accept", "clerk", on=D(2026, 9, 29))
    clock = CaseClock.objects.get(case=case)
    assert clock.limit_wd == 8
    assert clock.overall_due == D(2026, 10, 15)


def test_the_emergency_file_keeps_the_general_temporary_limit(demo):
    case = make_case(demo.gushu, "temp_emergency")
    go(case, "accept", "clerk", on=D(2026, 9, 29))
    clock = CaseClock.objects.get(case=case)
    assert clock.limit_wd == int(case.policy.temporary_limit_wd) != 12
