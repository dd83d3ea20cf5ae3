"""临时救助 tiers and caps at their boundaries (seed 004, seed 001, [G]) and the 支出型
amount rules with worked numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cases.temporary.rules import (
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    compute_temporary_amount,
    may_decide,
    parse_amount,
    tier_for,
)
from relief.policy import KEY_BY_NAME

M = Decimal


class P:
    """The defaults of every policy setting, with overrides."""

    def __init__(self, **overrides):
        self._values = {k: v.default for k, v in KEY_BY_NAME.items()} | overrides

    def __getattr__(self, name):
        return self._values[name]


@pytest.mark.parametrize(
    ("amount", "tier"),
    [("999.99", VILLAGE), ("1000", VILLAGE), ("1000.01", TOWNSHIP), ("2000", TOWNSHIP)],
)
def test_the_village_fund_covers_up_to_1000_and_the_township_up_to_2000(amount, tier):
    assert tier_for(amount=M(amount), policy=P()).tier == tier


def test_above_the_township_cap_the_county_decides_and_says_why():
    decision = tier_for(amount=M("2000.01"), policy=P())
    assert decision.tier == COUNTY
    assert "乡镇审批上限2,000.00元" in decision.reasons[0]


def test_village_and_township_together_reach_3000_and_one_cent_more_goes_to_the_county():
    assert tier_for(amount=M("2000"), policy=P(), village_granted=M("1000")).tier == TOWNSHIP
    decision = tier_for(amount=M("2000.01"), policy=P(), village_granted=M("1000"))
    assert decision.tier == COUNTY and "村镇合计3,000.01元" in decision.reasons[0]
    capped = P(temp_cap_township=M("2500"))
    decision = tier_for(amount=M("2000.01"), policy=capped, village_granted=M("1000"))
    assert decision.tier == COUNTY and "超过村镇审批上限3,000.00元" in decision.reasons[0]


def test_a_township_with_small_amount_power_only_sends_more_than_the_limit_to_the_county():
    policy = P(temp_small_amount_limit=M("1500"))
    assert tier_for(amount=M("1500"), policy=policy, small_only=True).tier == TOWNSHIP
    decision = tier_for(amount=M("1500.01"), policy=policy, small_only=True)
    assert decision.tier == COUNTY and "小额" in decision.reasons[0]


def test_the_yearly_cumulative_cap_counts_the_grants_already_made_this_year():
    assert tier_for(amount=M("500"), policy=P(), year_total=M("2500")).tier == VILLAGE
    decision = tier_for(amount=M("500.01"), policy=P(), year_total=M("2500"))
    assert decision.tier == COUNTY and "年度累计上限3,000.00元" in decision.reasons[0]


def test_a_second_grant_for_the_same_cause_in_a_year_needs_the_county():
    assert tier_for(amount=M("300"), policy=P(), same_cause_count=0).tier == VILLAGE
    decision = tier_for(amount=M("300"), policy=P(), same_cause_count=1)
    assert decision.tier == COUNTY and "同一事由已救助1次" in decision.reasons[0]
    assert tier_for(amount=M("300"), policy=P(temp_same_cause_per_year=2), same_cause_count=1)


def test_a_body_may_decide_its_own_tier_and_lower_ones_only():
    township = tier_for(amount=M("1500"), policy=P())
    assert may_decide(body=TOWNSHIP, decision=township)
    assert may_decide(body=COUNTY, decision=township)
    assert not may_decide(body=VILLAGE, decision=township)


@pytest.mark.parametrize("raw", ["-1", "0", "abc", "", "1.005", "NaN", None])
def test_negative_zero_non_numeric_and_sub_cent_amounts_are_refused_in_chinese(raw):
    with pytest.raises(ValidationError) as err:
        parse_amount(raw)
    assert "金额" in str(err.value.message_dict["amount"])


def test_a_multiple_of_the_standard_by_severity_with_its_explanation():
    result = compute_temporary_amount(policy=P(), monthly_standard=M("715"), severity="serious")
    # 715 × 2 = 1430.00
    assert result.amount == M("1430.00")
    assert "月低保标准715.00元 × 2倍 = 1,430.00元" in result.lines[1]


def test_expenditure_minus_other_aid_times_the_ratio_rounded_to_the_yuan():
    result = compute_temporary_amount(
        policy=P(temp_amount_rule="expenditure_ratio"),
        expenditure=M("12345.60"),
        other_aid=M("8000"),
    )
    # (12345.60 − 8000) × 0.3 = 1303.68 → 1304 (rounded half up to the yuan)
    assert result.amount == M("1304.00")
    assert result.lines[-1] == "取整后：1,304.00元"


def test_other_aid_above_the_expenditure_gives_nothing_not_a_negative_amount():
    result = compute_temporary_amount(
        policy=P(temp_amount_rule="expenditure_ratio"), expenditure=M("500"), other_aid=M("900")
    )
    assert result.amount == M("0.00")


def test_the_standard_rule_without_a_severity_is_refused():
    with pytest.raises(ValidationError) as err:
        compute_temporary_amount(policy=P(), monthly_standard=M("715"), severity="")
    assert err.value.message_dict["severity"] == ["请选择困难程度"]
