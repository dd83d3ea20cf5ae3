import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds.standards import calculators as calc

STD = calc.Standard(
    amount=Decimal("790"), effective_from=datetime.date(2025, 7, 1), label="当涂县农村低保标准"
)

money = st.decimals(
    min_value=Decimal("0"),
    max_value=Decimal("20000"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
standards = st.decimals(min_value=Decimal("100"), max_value=Decimal("3000"), places=2)
member_lists = st.lists(
    st.builds(
        calc.MemberFacts,
        name=st.just("成员"),
        counted_income=money,
        covered=st.booleans(),
        severe=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)


def test_gap_times_covered_members_rounded_to_yuan():
    members = [
        calc.MemberFacts("甲", Decimal("300")),
        calc.MemberFacts("乙", Decimal("0")),
        calc.MemberFacts("丙", Decimal("0")),
    ]
    result = calc.compute_dibao(members=members, standard=STD)
    assert result.eligible and not result.margin
    assert result.per_capita_income == Decimal("100.00")
    assert result.amount == Decimal("2070.00")  # (790 − 100) × 3
    assert any("2025年07月01日" in s for s in result.steps)


def test_excluded_income_is_shown_but_not_counted_and_spending_is_deducted():
    members = [calc.MemberFacts("甲", Decimal("1000"))]
    result = calc.compute_dibao(
        members=members, standard=STD, excluded_income=Decimal("500"), deductions=Decimal("400")
    )
    assert result.per_capita_income == Decimal("600.00")
    assert result.amount == Decimal("190.00")
    assert "不计入" in result.steps[2]


def test_margin_household_with_severely_disabled_member_gets_single_person_coverage():
    members = [
        calc.MemberFacts("甲", Decimal("1800")),
        calc.MemberFacts("乙", Decimal("0"), severe=True),
    ]
    result = calc.compute_dibao(
        members=members, standard=STD
    )  # per capita 900: between 790 and 1185
    assert result.margin and result.single_person and result.eligible
    assert result.amount == Decimal("790.00")


def test_margin_household_without_severe_member_is_not_eligible():
    members = [calc.MemberFacts("甲", Decimal("1000"))]
    result = calc.compute_dibao(members=members, standard=STD)
    assert result.margin and not result.eligible and result.amount is None


def test_banded_mode_pays_the_band_amount_per_covered_member():
    bands = [
        calc.Band(Decimal("0"), Decimal("200"), Decimal("150"), "三档"),
        calc.Band(Decimal("200"), None, Decimal("400"), "一档"),
    ]
    members = [
        calc.MemberFacts("甲", Decimal("700")),
        calc.MemberFacts("乙", Decimal("700"), covered=False),
    ]
    result = calc.compute_dibao(members=members, standard=STD, mode="banded", bands=bands)
    assert result.amount == Decimal("150.00")  # gap 90 → 三档 × 1 covered


def test_rounding_settings():
    assert calc.round_amount(Decimal("10.45"), unit="yuan", method="half_up") == Decimal("10.00")
    assert calc.round_amount(Decimal("10.5"), unit="yuan", method="half_up") == Decimal("11.00")
    assert calc.round_amount(Decimal("10.01"), unit="yuan", method="up") == Decimal("11.00")
    assert calc.round_amount(Decimal("10.45"), unit="jiao", method="half_up") == Decimal("10.50")
    assert calc.round_amount(Decimal("10.456"), unit="fen", method="half_up") == Decimal("10.46")
    with pytest.raises(TypeError):
        calc.round_amount(10.5, unit="yuan", method="half_up")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        calc.compute_dibao(members=[calc.MemberFacts("甲")], standard=STD, deductions=1.5)


@settings(max_examples=300, deadline=None)
@given(
    members=member_lists,
    std=standards,
    extra=money,
    deductions=money,
    rounding=st.sampled_from(["yuan", "jiao", "fen"]),
    method=st.sampled_from(["half_up", "up"]),
)
def test_dibao_amount_properties(members, std, extra, deductions, rounding, method):
    standard = calc.Standard(std, datetime.date(2025, 1, 1), "标准")
    r = calc.compute_dibao(
        members=members,
        standard=standard,
        household_income=extra,
        deductions=deductions,
        rounding=rounding,
        rounding_method=method,
    )
    net = max(sum((m.counted_income for m in members), Decimal(0)) + extra - deductions, Decimal(0))
    per_capita = (net / len(members)).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert r.per_capita_income == per_capita
    assert isinstance(r.per_capita_income, Decimal)
    # eligibility of the household as a whole is exactly "per-capita income below the standard"
    if per_capita < std:
        assert r.eligible and not r.margin
        covered = sum(1 for m in members if m.covered)
        if covered:
            exact = (std - per_capita) * covered
            unit = calc.ROUNDING_UNITS[rounding]
            assert isinstance(r.amount, Decimal)
            assert abs(r.amount - exact) <= unit
            assert r.amount >= 0
            if method == "up":
                assert r.amount >= exact
        else:
            assert r.amount is None
    else:
        assert r.margin == (per_capita < std * Decimal("1.5"))
        if r.amount is not None:
            # 单人保: only severe members, each at most the standard
            assert (
                r.single_person
                and r.amount <= std * sum(1 for m in members if m.severe and m.covered) + 1
            )
    assert r.steps and "标准" in r.steps[0]


@settings(max_examples=200, deadline=None)
@given(members=member_lists, std=standards, extra=money, more=money)
def test_more_income_never_raises_the_amount(members, std, extra, more):
    members = [calc.MemberFacts(m.name, m.counted_income, m.covered, False) for m in members]
    standard = calc.Standard(std, datetime.date(2025, 1, 1), "标准")
    low = calc.compute_dibao(
        members=members, standard=standard, household_income=extra, rounding="fen"
    )
    high = calc.compute_dibao(
        members=members, standard=standard, household_income=extra + more, rounding="fen"
    )
    assert (high.amount or 0) <= (low.amount or 0)


TEKUN = calc.TekunStandards(
    basic=Decimal("1027"),
    care={
        calc.SELF_CARE: Decimal("110"),
        calc.PARTLY_LOST: Decimal("350"),
        calc.FULLY_LOST: Decimal("920"),
    },
    effective_from=datetime.date(2025, 7, 1),
    label="当涂县农村特困人员供养标准",
    dibao_standard=Decimal("790"),
)


@pytest.mark.parametrize(
    "unmet,level",
    [
        (0, calc.SELF_CARE),
        (1, calc.PARTLY_LOST),
        (3, calc.PARTLY_LOST),
        (4, calc.FULLY_LOST),
        (6, calc.FULLY_LOST),
    ],
)
def test_self_care_levels(unmet, level):
    assert calc.care_level(unmet) == level


def _tekun(**kw):
    args = dict(
        name="王大爷",
        age=72,
        disability_type="",
        disability_grade=None,
        own_income=Decimal("0"),
        has_able_supporter=False,
        unmet_items=[],
        support_mode_label="分散供养",
        standards=TEKUN,
    )
    args.update(kw)
    return calc.compute_tekun(**args)


def test_tekun_elderly_person_partly_lost_gets_basic_plus_partial_care():
    r = _tekun(unmet_items=["洗澡", "如厕"])
    assert r.eligible and r.care_level == calc.PARTLY_LOST
    assert r.amount == Decimal("1377.00")
    assert any("年满60周岁" in s for s in r.steps)


def test_tekun_age_between_16_and_60_needs_a_qualifying_disability():
    assert not _tekun(age=40).eligible
    assert _tekun(age=40, disability_type="肢体", disability_grade=2).eligible
    assert not _tekun(age=40, disability_type="肢体", disability_grade=3).eligible
    assert _tekun(age=40, disability_type="精神", disability_grade=3).eligible
    assert _tekun(age=15).eligible


def test_tekun_refused_with_able_supporter_or_income_above_standard():
    r = _tekun(has_able_supporter=True)
    assert not r.eligible and r.amount is None and "义务人" in r.steps[-1]
    assert not _tekun(own_income=Decimal("800")).eligible
