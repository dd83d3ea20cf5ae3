"""临时救助 rules both services and pages apply: which body decides an amount (the tiers and
caps of seed 004, the 小额 delegation of seed 001, the household's yearly limits of [G]) and
how a 支出型 amount is computed, with its explanation. Every number comes from the case's
policy (relief.policy), never a constant here. Reads nothing but its arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from funds.standards.calculators import round_amount, yuan

#: The assistance type an emergency (急难型) is registered under (relief/assistance_types.py).
EMERGENCY_TYPE_CODE = "temp_emergency"

#: The cause an ordinary (non-急难型) 临时救助 case is filed under: in the statistics and in
#: the household's same-cause count of the year.
EXPENDITURE_CAUSE = "支出型"

VILLAGE, TOWNSHIP, COUNTY = "village", "township", "county"
TIER_LABELS = {VILLAGE: "村级救急难互助金", TOWNSHIP: "乡镇(街道)", COUNTY: "县民政局"}
TIER_ORDER = (VILLAGE, TOWNSHIP, COUNTY)

SEVERITIES = (("general", "一般困难"), ("serious", "较重困难"), ("severe", "严重困难"))


@dataclass(frozen=True)
class TierDecision:
    """The body that must decide a grant, and every reason that pushed it up a tier."""

    tier: str
    reasons: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return TIER_LABELS[self.tier]


def parse_amount(raw: Any, *, field_name: str = "amount") -> Decimal:
    """A positive amount in yuan with at most two decimals, or a Chinese ValidationError."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        raise ValidationError({field_name: "金额须为数字（元）"})
    if not value.is_finite():
        raise ValidationError({field_name: "金额须为数字（元）"})
    if value <= 0:
        raise ValidationError({field_name: "金额须大于 0 元"})
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError({field_name: "金额最多保留两位小数（分）"})
    return value


def tier_for(
    *,
    amount: Decimal,
    policy: Any,
    village_granted: Decimal = Decimal("0"),
    small_only: bool = False,
    year_total: Decimal = Decimal("0"),
    same_cause_count: int = 0,
) -> TierDecision:
    """Seed 004: the village fund covers up to ``temp_cap_village``; the township up to
    ``temp_cap_township`` on top of what the village gave; village + township together up to
    ``temp_cap_combined``; above that the county. Seed 001: a township holding the power for
    小额临时救助 only sends amounts above ``temp_small_amount_limit`` to the county. [G]: a
    grant past the household's yearly cumulative cap (``temp_yearly_cap``, counting the grants
    already made this year) or past ``temp_same_cause_per_year`` grants for the same cause
    needs the county too. ``village_granted`` is what the village fund gave in this case."""
    reasons: list[str] = []
    cap_v = Decimal(policy.temp_cap_village)
    cap_t = Decimal(policy.temp_cap_township)
    cap_c = Decimal(policy.temp_cap_combined)
    together = village_granted + amount
    if village_granted == 0 and amount <= cap_v:
        tier = VILLAGE
    elif amount <= cap_t and together <= cap_c:
        tier = TOWNSHIP
    else:
        tier = COUNTY
        if together > cap_c:
            reasons.append(f"村镇合计{yuan(together)}超过村镇审批上限{yuan(cap_c)}")
        else:
            reasons.append(f"乡镇救助{yuan(amount)}超过乡镇审批上限{yuan(cap_t)}")
    if tier == TOWNSHIP and small_only:
        small = Decimal(policy.temp_small_amount_limit)
        if amount > small:
            tier = COUNTY
            reasons.append(f"本乡镇仅获委托审批小额临时救助（{yuan(small)}以内）")
    yearly_cap = Decimal(policy.temp_yearly_cap)
    if year_total + amount > yearly_cap and (tier != COUNTY or year_total > 0):
        tier = COUNTY
        reasons.append(
            f"本户本年度已救助{yuan(year_total)}，加本次超过年度累计上限{yuan(yearly_cap)}"
        )
    per_cause = int(policy.temp_same_cause_per_year)
    if same_cause_count >= per_cause:
        tier = COUNTY
        reasons.append(f"本户本年度同一事由已救助{same_cause_count}次（上限{per_cause}次）")
    return TierDecision(tier=tier, reasons=tuple(reasons))


def may_decide(*, body: str, decision: TierDecision) -> bool:
    """A body may grant what its own tier or a lower one covers."""
    return TIER_ORDER.index(body) >= TIER_ORDER.index(decision.tier)


@dataclass
class AmountResult:
    amount: Decimal
    rule: str
    lines: list[str] = field(default_factory=list)


def compute_temporary_amount(
    *,
    policy: Any,
    monthly_standard: Decimal | None = None,
    severity: str = "",
    expenditure: Decimal | None = None,
    other_aid: Decimal = Decimal("0"),
) -> AmountResult:
    """[G]: a 支出型 amount by the county's rule (``temp_amount_rule``), with the lines that
    explain it: a multiple of the monthly 低保 standard by the severity of the hardship, or
    the eligible expenditure minus other aid (insurance, medical assistance) times
    ``temp_expenditure_ratio``; rounded by ``amount_rounding`` / ``amount_rounding_method``."""
    rule = str(policy.temp_amount_rule)
    unit, method = str(policy.amount_rounding), str(policy.amount_rounding_method)
    if rule == "standard_multiple":
        labels = dict(SEVERITIES)
        if severity not in labels:
            raise ValidationError({"severity": "请选择困难程度"})
        if monthly_standard is None:
            raise ValidationError({"severity": "未找到本地区在用的低保标准，无法计算"})
        multiple = Decimal(getattr(policy, f"temp_multiple_{severity}"))
        raw = monthly_standard * multiple
        amount = round_amount(raw, unit=unit, method=method)
        lines = [
            f"计算方式：按低保标准倍数（{labels[severity]}）",
            f"月低保标准{yuan(monthly_standard)} × {multiple}倍 = {yuan(raw)}",
        ]
    else:
        if expenditure is None:
            raise ValidationError({"expenditure": "请填写合规自付支出金额"})
        if expenditure < 0 or other_aid < 0:
            raise ValidationError({"expenditure": "支出和其他救助金额不能为负数"})
        ratio = Decimal(policy.temp_expenditure_ratio)
        base = max(Decimal("0"), expenditure - other_aid)
        raw = base * ratio
        amount = round_amount(raw, unit=unit, method=method)
        lines = [
            "计算方式：按(合规支出-其他救助)×比例",
            f"（{yuan(expenditure)} − {yuan(other_aid)}）× {ratio} = {yuan(raw)}",
        ]
    if amount != raw:
        lines.append(f"取整后：{yuan(amount)}")
    return AmountResult(amount=amount, rule=rule, lines=lines)
