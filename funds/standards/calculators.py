"""Eligibility and amounts (DOMAIN §7), as pure functions over Decimal.

Nothing here touches the database: ``case_compute_amount`` (cases/intake) gathers the
facts (members, incomes, the standard in force, the policy snapshot) and stores the
result. Every result carries ``steps``, the readable "how this was computed" shown on
the case page, naming the standard and the date it is in force from.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

ZERO = Decimal("0")
CENT = Decimal("0.01")
ROUNDING_UNITS = {"yuan": Decimal("1"), "jiao": Decimal("0.1"), "fen": Decimal("0.01")}
ROUNDING_MODES = {"half_up": ROUND_HALF_UP, "up": ROUND_CEILING}
ROUNDING_LABELS = {"yuan": "元", "jiao": "角", "fen": "分"}
METHOD_LABELS = {"half_up": "四舍五入", "up": "向上取整"}


def yuan(value: Decimal) -> str:
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}元"


def round_amount(value: Decimal, *, unit: str, method: str) -> Decimal:
    """Policy ``amount_rounding`` (yuan/jiao/fen) and ``amount_rounding_method``."""
    if not isinstance(value, Decimal):
        raise TypeError("amounts must be Decimal")
    return value.quantize(ROUNDING_UNITS[unit], rounding=ROUNDING_MODES[method]).quantize(CENT)


@dataclass(frozen=True)
class Standard:
    """A standard row as used: amount, the date it is in force from, a readable label."""

    amount: Decimal
    effective_from: datetime.date
    label: str


@dataclass(frozen=True)
class Band:
    gap_from: Decimal
    gap_to: Decimal | None
    amount_per_person: Decimal
    label: str = ""

    def contains(self, gap: Decimal) -> bool:
        return gap >= self.gap_from and (self.gap_to is None or gap < self.gap_to)


@dataclass(frozen=True)
class MemberFacts:
    name: str
    counted_income: Decimal = ZERO  # monthly, A Art.13 exclusions already removed
    covered: bool = True
    #: 重病患者 or 重度残疾人 (grade 1–2): may be covered alone (单人保, A Art.8)
    severe: bool = False


@dataclass
class DibaoResult:
    eligible: bool
    margin: bool
    single_person: bool
    per_capita_income: Decimal
    standard: Standard
    amount: Decimal | None
    covered_count: int
    steps: list[str] = field(default_factory=list)


def compute_dibao(
    *,
    members: Sequence[MemberFacts],
    standard: Standard,
    household_income: Decimal = ZERO,
    excluded_income: Decimal = ZERO,
    deductions: Decimal = ZERO,
    mode: str = "gap",
    bands: Sequence[Band] = (),
    rounding: str = "yuan",
    rounding_method: str = "half_up",
    margin_ratio: Decimal = Decimal("1.5"),
) -> DibaoResult:
    """低保 (A Art.8, Art.13, Art.23; D Art.12).

    Household monthly income = members' counted income + income not attributed to a member,
    less deductible necessary spending (never below zero). Per-capita income is compared
    with the standard: below it the household is eligible and receives (standard −
    per-capita income) × covered members ("gap") or the band amount × covered members
    ("banded"), rounded per policy. Between the standard and ``margin_ratio`` × standard
    it is a 低保边缘家庭; its seriously ill or severely disabled members can then be
    covered alone (单人保), with their own income as a one-person household.
    """
    for value in (household_income, excluded_income, deductions, standard.amount, margin_ratio):
        if not isinstance(value, Decimal):
            raise TypeError("amounts must be Decimal")
    if not members:
        raise ValueError("a household has at least one member")
    size = len(members)
    member_income = sum((m.counted_income for m in members), ZERO)
    gross = member_income + household_income
    net = max(gross - deductions, ZERO)
    per_capita = (net / size).quantize(CENT, rounding=ROUND_HALF_UP)
    std = standard.amount
    steps = [
        f"采用标准：{standard.label}，{standard.effective_from:%Y年%m月%d日}起执行，{yuan(std)}/人·月。",
        f"家庭共同生活成员 {size} 人。",
        f"计入家庭收入的月收入合计 {yuan(gross)}"
        + (
            f"（另有按规定不计入的收入 {yuan(excluded_income)}，A第13条）"
            if excluded_income
            else ""
        )
        + "。",
    ]
    if deductions:
        steps.append(f"扣减必要刚性支出 {yuan(deductions)}，核算月收入 {yuan(net)}。")
    steps.append(f"月人均收入 = {yuan(net)} ÷ {size} = {yuan(per_capita)}。")
    margin_limit = (std * margin_ratio).quantize(CENT, rounding=ROUND_HALF_UP)
    covered = [m for m in members if m.covered]

    if per_capita < std:
        gap = std - per_capita
        steps.append(
            "人均收入低于低保标准，符合低保收入条件；"
            f"人均差额 = {yuan(std)} − {yuan(per_capita)} = {yuan(gap)}。"
        )
        raw = _amount_for(gap, len(covered), mode, bands, steps)
        amount = (
            round_amount(raw, unit=rounding, method=rounding_method) if raw is not None else None
        )
        if amount is not None:
            steps.append(
                f"按“{METHOD_LABELS[rounding_method]}到{ROUNDING_LABELS[rounding]}”取整："
                f"月保障金 {yuan(amount)}。"
            )
        return DibaoResult(True, False, False, per_capita, standard, amount, len(covered), steps)

    margin = per_capita < margin_limit
    if not margin:
        steps.append(
            f"人均收入不低于低保标准，也不低于低保边缘标准（{margin_ratio}倍，{yuan(margin_limit)}），不符合低保收入条件。"
        )
        return DibaoResult(False, False, False, per_capita, standard, None, 0, steps)

    steps.append(
        f"人均收入不低于低保标准，但低于 {margin_ratio} 倍标准（{yuan(margin_limit)}），"
        "属低保边缘家庭（A第8条）。"
    )
    singles = [m for m in members if m.severe and m.covered]
    if not singles:
        steps.append("家庭中无重病患者或重度残疾人，不适用单人保。")
        return DibaoResult(False, True, False, per_capita, standard, None, 0, steps)
    total = ZERO
    for m in singles:
        own = max(m.counted_income, ZERO)
        gap = std - own
        if gap <= ZERO:
            steps.append(f"{m.name}：本人月收入 {yuan(own)} 不低于标准，单人保无差额。")
            continue
        part = _amount_for(gap, 1, mode, bands, steps, who=m.name)
        if part is not None:
            total += part
    if total <= ZERO:
        return DibaoResult(False, True, True, per_capita, standard, None, 0, steps)
    amount = round_amount(total, unit=rounding, method=rounding_method)
    steps.append(
        "单人保（参照单人户）合计，"
        f"按“{METHOD_LABELS[rounding_method]}到{ROUNDING_LABELS[rounding]}”取整："
        f"月保障金 {yuan(amount)}。"
    )
    return DibaoResult(True, True, True, per_capita, standard, amount, len(singles), steps)


def _amount_for(
    gap: Decimal, covered: int, mode: str, bands: Sequence[Band], steps: list[str], who: str = ""
) -> Decimal | None:
    prefix = f"{who}：" if who else ""
    if covered <= 0:
        steps.append("家庭中无纳入保障的成员，不计发保障金。")
        return None
    if mode == "banded":
        band = next((b for b in bands if b.contains(gap)), None)
        if band is None:
            steps.append(f"{prefix}人均差额 {yuan(gap)} 不在任何分档范围内，请核查分档设置。")
            return None
        raw = band.amount_per_person * covered
        upper = f"{yuan(band.gap_to)}" if band.gap_to is not None else "以上"
        steps.append(
            f"{prefix}按分档发放：差额在 {yuan(band.gap_from)}–{upper} 档"
            f"{('（' + band.label + '）') if band.label else ''}，"
            f"每人 {yuan(band.amount_per_person)} × {covered} 人 = {yuan(raw)}。"
        )
        return raw
    raw = gap * covered
    steps.append(f"{prefix}按补差发放：{yuan(gap)} × 保障人数 {covered} 人 = {yuan(raw)}。")
    return raw


# --- 特困 -------------------------------------------------------------------------------

SELF_CARE = "self_care"
PARTLY_LOST = "partly_lost"
FULLY_LOST = "fully_lost"
CARE_LABELS = {
    SELF_CARE: "具备生活自理能力",
    PARTLY_LOST: "部分丧失生活自理能力",
    FULLY_LOST: "完全丧失生活自理能力",
}

#: C Art.6(3): grades (1 = most severe) that mean no capacity to work, by disability type.
DISABILITY_NO_WORK_CAPACITY = {"智力": 3, "精神": 3, "肢体": 2, "视力": 1}


def care_level(unmet_items: int) -> str:
    """C Art.21–22: six items; all met → self-care, ≤3 unmet → partly lost, ≥4 → fully lost."""
    if not 0 <= unmet_items <= 6:
        raise ValueError("unmet items must be 0..6")
    if unmet_items == 0:
        return SELF_CARE
    return PARTLY_LOST if unmet_items <= 3 else FULLY_LOST


@dataclass(frozen=True)
class TekunStandards:
    basic: Decimal
    care: dict[str, Decimal]  # level → amount
    effective_from: datetime.date
    label: str
    dibao_standard: Decimal


@dataclass
class TekunResult:
    eligible: bool
    care_level: str
    amount: Decimal | None
    steps: list[str] = field(default_factory=list)


def compute_tekun(
    *,
    name: str,
    age: int,
    disability_type: str,
    disability_grade: int | None,
    own_income: Decimal,
    has_able_supporter: bool,
    unmet_items: Sequence[str],
    support_mode_label: str,
    standards: TekunStandards,
    rounding: str = "yuan",
    rounding_method: str = "half_up",
) -> TekunResult:
    """特困 (C Art.2, 6–8, 21–22): all three conditions — no capacity to work (age ≥ 60 or
    < 16, or the listed disability grades), no means of living (own income below the local
    低保 standard), no supporter able to support — then basic standard + the care standard
    for the self-care level."""
    if not isinstance(own_income, Decimal):
        raise TypeError("amounts must be Decimal")
    steps = [f"采用标准：{standards.label}，{standards.effective_from:%Y年%m月%d日}起执行。"]
    reasons = []
    if age >= 60:
        steps.append(f"条件一 无劳动能力：{name} {age} 周岁，年满60周岁（C第6条），符合。")
    elif age < 16:
        steps.append(f"条件一 无劳动能力：{name} {age} 周岁，未满16周岁（C第6条），符合。")
    else:
        limit = DISABILITY_NO_WORK_CAPACITY.get(disability_type)
        if limit and disability_grade and disability_grade <= limit:
            steps.append(
                f"条件一 无劳动能力：{disability_type}残疾{disability_grade}级（C第6条），符合。"
            )
        else:
            desc = (
                f"{disability_type}残疾{disability_grade}级"
                if disability_type and disability_grade
                else "无符合条件的残疾等级"
            )
            steps.append(f"条件一 无劳动能力：{age} 周岁，{desc}，不符合。")
            reasons.append("不符合无劳动能力条件")
    if own_income < standards.dibao_standard:
        steps.append(
            f"条件二 无生活来源：本人月收入 {yuan(own_income)} "
            f"低于当地低保标准 {yuan(standards.dibao_standard)}，符合。"
        )
    else:
        steps.append(
            f"条件二 无生活来源：本人月收入 {yuan(own_income)} "
            f"不低于当地低保标准 {yuan(standards.dibao_standard)}，不符合。"
        )
        reasons.append("不符合无生活来源条件")
    if has_able_supporter:
        steps.append("条件三 无履行义务能力的义务人：有具备赡养、抚养、扶养能力的义务人，不符合。")
        reasons.append("有具备履行义务能力的法定义务人")
    else:
        steps.append("条件三 无法定义务人或义务人无履行义务能力（C第8条），符合。")
    level = care_level(len(unmet_items))
    unmet_desc = "、".join(unmet_items) if unmet_items else "无"
    steps.append(
        f"生活自理能力评估：六项中不能自理的项目 {len(unmet_items)} 项（{unmet_desc}）"
        f"→ {CARE_LABELS[level]}（C第21–22条）。"
    )
    if reasons:
        steps.append("结论：不符合特困人员认定条件（" + "；".join(reasons) + "）。")
        return TekunResult(False, level, None, steps)
    care = standards.care[level]
    raw = standards.basic + care
    amount = round_amount(raw, unit=rounding, method=rounding_method)
    steps.append(
        f"{support_mode_label}：基本生活标准 {yuan(standards.basic)} "
        f"+ 照料护理标准（{CARE_LABELS[level]}）{yuan(care)} = {yuan(raw)}；"
        f"按“{METHOD_LABELS[rounding_method]}到{ROUNDING_LABELS[rounding]}”取整："
        f"月供养金 {yuan(amount)}。"
    )
    return TekunResult(True, level, amount, steps)


# --- 分类施保 (category add-ons) ---------------------------------------------------------


@dataclass(frozen=True)
class AddonRules:
    """The county's 分类施保 settings in force (relief.policy ``addon_*``): each value is a
    percentage of the 低保 standard (``basis`` "percent") or yuan per person and month
    ("fixed"); 0 means no add-on for that category."""

    basis: str = "percent"
    combine: str = "highest"
    elderly: Decimal = ZERO
    elderly_age: int = 60
    disabled_severe: Decimal = ZERO
    disabled_other: Decimal = ZERO
    serious_illness: Decimal = ZERO
    minor: Decimal = ZERO
    minor_age: int = 18

    @property
    def any(self) -> bool:
        return any(
            v > ZERO
            for v in (
                self.elderly,
                self.disabled_severe,
                self.disabled_other,
                self.serious_illness,
                self.minor,
            )
        )


@dataclass(frozen=True)
class AddonFacts:
    name: str
    age: int
    disability_grade: int | None = None
    seriously_ill: bool = False


def category_addons(
    *,
    members: Sequence[AddonFacts],
    rules: AddonRules,
    standard: Decimal,
    rounding: str = "yuan",
    rounding_method: str = "half_up",
) -> tuple[Decimal, list[str]]:
    """分类施保: extra monthly amounts for covered members who are elderly, disabled (grade
    1–2 severe, 3–4 other), seriously ill or minors. A member in several categories gets the
    highest one (``combine`` "highest") or all of them ("sum"). Returns the rounded total
    and the explanation steps (none when no add-on applies)."""
    if not isinstance(standard, Decimal):
        raise TypeError("amounts must be Decimal")
    if not rules.any:
        return ZERO, []
    fixed = rules.basis == "fixed"

    def value(setting: Decimal) -> tuple[Decimal, str]:
        if fixed:
            return setting, f"{yuan(setting)}"
        part = (standard * setting / Decimal("100")).quantize(CENT, rounding=ROUND_HALF_UP)
        return part, f"标准{yuan(standard)}×{setting}%={yuan(part)}"

    total, steps = ZERO, []
    for m in members:
        hits = []
        if rules.elderly > ZERO and m.age >= rules.elderly_age:
            hits.append((f"年满{rules.elderly_age}周岁老年人", rules.elderly))
        if m.disability_grade in (1, 2) and rules.disabled_severe > ZERO:
            hits.append((f"{m.disability_grade}级重度残疾人", rules.disabled_severe))
        elif m.disability_grade in (3, 4) and rules.disabled_other > ZERO:
            hits.append((f"{m.disability_grade}级残疾人", rules.disabled_other))
        if m.seriously_ill and rules.serious_illness > ZERO:
            hits.append(("重病患者", rules.serious_illness))
        if rules.minor > ZERO and m.age < rules.minor_age:
            hits.append((f"未满{rules.minor_age}周岁未成年人", rules.minor))
        if not hits:
            continue
        priced = [(label, *value(setting)) for label, setting in hits]
        if rules.combine == "highest" and len(priced) > 1:
            chosen = [max(priced, key=lambda p: p[1])]
            note = "，同时符合多项的就高计发一项"
        else:
            chosen, note = priced, ""
        part = sum((p[1] for p in chosen), ZERO)
        total += part
        steps.append(
            f"分类施保：{m.name}（{'、'.join(label for label, _, _ in priced)}）加发 "
            + " + ".join(desc for _, _, desc in chosen)
            + (f" = {yuan(part)}" if len(chosen) > 1 else "")
            + f"{note}。"
        )
    if total <= ZERO:
        return ZERO, []
    rounded = round_amount(total, unit=rounding, method=rounding_method)
    steps.append(
        f"分类施保加发合计 {yuan(total)}，"
        f"按“{METHOD_LABELS[rounding_method]}到{ROUNDING_LABELS[rounding]}”取整：{yuan(rounded)}。"
    )
    return rounded, steps
