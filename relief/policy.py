"""Policy settings: every number and option of DOMAIN.md §5–7, with its default and
source. A county sets defaults, a township may override them, each effective from a date.

``policy_for(township, on)`` answers the values in force; a case stores
``policy_for(...).as_snapshot()`` at 受理 so that later changes never touch a running case.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from relief.masking import MASK_RULE_CHOICES
from relief.models import PolicySetting, Region


@dataclass(frozen=True)
class PolicyKey:
    key: str
    label: str
    kind: str  # "int" | "bool" | "decimal" | "choice" | "text"
    default: Any
    source: str = ""
    group: str = "时限"
    choices: tuple[tuple[str, str], ...] = ()
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    unit: str = ""

    def parse(self, raw: Any) -> Any:
        """Validate and normalise a value (from a form or JSON).

        Raises ValidationError with a Chinese message.
        """
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("true", "1", "on", "是", "yes"):
                return True
            if str(raw).lower() in ("false", "0", "off", "否", "no", ""):
                return False
            raise ValidationError(f"{self.label}：请选择是或否")
        if self.kind == "text":
            text = str(raw if raw is not None else "").strip()
            if not text:
                raise ValidationError(f"{self.label}：不能为空")
            if self.key in TEXT_CHECKS:
                TEXT_CHECKS[self.key](self.label, text)
            return text
        if self.kind == "choice":
            allowed = {c for c, _ in self.choices}
            if not isinstance(raw, str) or raw not in allowed:
                raise ValidationError(
                    f"{self.label}：取值须为 {'、'.join(l for _, l in self.choices)} 之一"
                )
            return raw
        if self.kind == "int":
            try:
                value = int(str(raw).strip())
            except (TypeError, ValueError):
                raise ValidationError(f"{self.label}：请输入整数")
        else:
            try:
                value = Decimal(str(raw).strip())
            except (InvalidOperation, TypeError):
                raise ValidationError(f"{self.label}：请输入数字")
            if not value.is_finite():
                raise ValidationError(f"{self.label}：请输入数字")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(f"{self.label}：不能小于 {self.minimum}")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(f"{self.label}：不能大于 {self.maximum}")
        return value

    @property
    def source_text(self) -> str:
        """The citation with the documents' titles spelled out (DOMAIN.md source list)."""
        return cite(self.source)

    def to_json(self, value: Any) -> Any:
        return str(value) if self.kind == "decimal" else value

    def from_json(self, value: Any) -> Any:
        return Decimal(value) if self.kind == "decimal" else value


#: The documents cited in DOMAIN.md, by their letter or seed number.
SOURCE_TITLES = {
    "A": "《最低生活保障审核确认办法》",
    "C": "《特困人员认定办法》",
    "D": "《社会救助暂行办法》",
    "E": "《关于改革完善社会救助制度的意见》",
    "F": "《关于进一步做好最低生活保障等社会救助兜底工作的通知》",
    "G": "《关于进一步加强和改进临时救助工作的意见》",
    "000": "当涂县实施方案",
    "001": "三堤口街道实施方案",
    "002": "凫城镇实施意见",
    "003": "綦江区实施方案",
    "004": "裕安区实施方案",
}


def cite(source: str) -> str:
    """Expand a short source reference into its Chinese citation.

    'A Art.22; seeds 000, 004' →
    '《最低生活保障审核确认办法》第22条；当涂县实施方案、裕安区实施方案'.
    """

    parts = []
    for chunk in (c.strip() for c in source.split(";") if c.strip()):
        m = re.match(r"^([A-G])(?:\s+(.*))?$", chunk)
        if m:
            rest = (m.group(2) or "").strip()
            rest = re.sub(
                r"Art\.(\d+)(?:[–-](\d+))?",
                lambda a: (
                    f"第{a.group(1)}条" if not a.group(2) else f"第{a.group(1)}–{a.group(2)}条"
                ),
                rest,
            )
            rest = re.sub(r"§(\d+)\((\d+)\)", r"第\1部分第(\2)项", rest)
            rest = re.sub(r"item (\d+)", r"第\1项", rest)
            parts.append(f"{SOURCE_TITLES[m.group(1)]}{rest}")
            continue
        m = re.match(r"^seeds?\s+([\d,\s]+)(.*)$", chunk)
        if m:
            seeds = [n.strip() for n in m.group(1).split(",") if n.strip()]
            parts.append("、".join(SOURCE_TITLES.get(n, n) for n in seeds) + m.group(2))
            continue
        parts.append(chunk.replace("2012 办法", "2012年《最低生活保障审核审批办法(试行)》"))
    return "；".join(parts)


#: Fields an archive number (档号) pattern may use: county code (6 digits), township code
#: (9 digits), decision year, type code (DB 低保 / TK 特困 / LS 临时救助 / QT 其他), sequence.
ARCHIVE_NUMBER_FIELDS = {"county": "340521", "township": "340521100", "year": 2026, "type": "DB"}


def _check_archive_number_pattern(label: str, text: str) -> None:
    import string

    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError:
        raise ValidationError(f"{label}：格式有误（花括号须成对）")
    unknown = [n for n in names if n not in ARCHIVE_NUMBER_FIELDS and n != "seq"]
    if unknown:
        raise ValidationError(
            f"{label}：未知的字段 {'、'.join(unknown)}（可用 county、township、year、type、seq）"
        )
    if "seq" not in names:
        raise ValidationError(f"{label}：须包含顺序号 {{seq}}，例如 {{seq:04d}}")
    try:
        sample = text.format(**ARCHIVE_NUMBER_FIELDS, seq=1)
    except (ValueError, KeyError, IndexError):
        raise ValidationError(f"{label}：格式有误，例如 {{county}}{{year}}{{type}}{{seq:04d}}")
    if len(sample) > 40:
        raise ValidationError(f"{label}：生成的档号过长（不超过40个字符）")


TEXT_CHECKS = {"archive_number_pattern": _check_archive_number_pattern}

#: Which households' income counts as irregular for the review interval (A Art.31): by the
#: categories of the income items recorded for the household.
IRREGULAR_INCOME_CHOICES = (
    ("none", "不按收入类别认定（仅按有劳动能力成员）"),
    ("business", "有经营净收入（种养殖、个体经营等）的家庭"),
    ("wage_business", "有工资性收入或经营净收入的家庭"),
)
#: The income categories each choice counts as irregular.
IRREGULAR_INCOME_CATEGORIES: dict[str, tuple[str, ...]] = {
    "none": (),
    "business": ("business",),
    "wage_business": ("wage", "business"),
}

EVALUATION_CHOICES = (
    ("always", "每案评议"),
    ("on_objection", "仅公示有异议时评议"),
    ("never", "不评议"),
)
NOTICE_TIMING_CHOICES = (("before", "确认前公示"), ("after", "确认后公示结果"))
AMOUNT_MODE_CHOICES = (("gap", "补差(标准−人均收入)×保障人数"), ("banded", "分档发放"))
ROUNDING_CHOICES = (("yuan", "取整到元"), ("jiao", "保留到角"), ("fen", "保留到分"))
ROUNDING_METHOD_CHOICES = (("half_up", "四舍五入"), ("up", "向上取整"))
RECOVERY_MODE_CHOICES = (("offset", "在下期花名册中抵扣"), ("separate", "另行追缴"))
ADDON_BASIS_CHOICES = (("percent", "按低保标准的百分比(%)"), ("fixed", "固定金额(元/人·月)"))
ADDON_COMBINE_CHOICES = (("highest", "同时符合多项的就高计发一项"), ("sum", "各项累加计发"))


def _addon(key: str, label: str) -> PolicyKey:
    """A 分类施保 add-on per covered member of a 低保 household: a percentage of the 低保
    standard or a fixed amount (``addon_basis``); 0 means none."""
    return PolicyKey(
        key,
        f"分类施保·{label}",
        "decimal",
        Decimal("0"),
        "",
        group="分类施保",
        minimum=Decimal("0"),
        maximum=Decimal("5000"),
        unit="%或元/人·月",
    )


KEYS: tuple[PolicyKey, ...] = (
    # §5 time limits (working days unless stated)
    PolicyKey(
        "dibao_limit_delegated_wd",
        "低保办理时限(乡镇有确认权)",
        "int",
        20,
        "F §4(1); seeds 000, 004",
        unit="工作日",
        minimum=1,
        maximum=90,
    ),
    PolicyKey(
        "dibao_limit_county_wd",
        "低保办理时限(县级审批)",
        "int",
        30,
        "A Art.22",
        unit="工作日",
        minimum=1,
        maximum=90,
    ),
    PolicyKey(
        "limit_max_extended_wd",
        "延长后最长时限",
        "int",
        45,
        "A Art.22",
        unit="工作日",
        minimum=1,
        maximum=120,
    ),
    PolicyKey(
        "tekun_township_wd",
        "特困乡镇初审时限",
        "int",
        15,
        "C Art.13",
        unit="工作日",
        minimum=1,
        maximum=60,
    ),
    PolicyKey(
        "tekun_county_wd",
        "特困县级审核时限",
        "int",
        15,
        "C Art.16",
        unit="工作日",
        minimum=1,
        maximum=60,
    ),
    PolicyKey(
        "temporary_limit_wd",
        "临时救助办理时限",
        "int",
        10,
        "G",
        unit="工作日",
        minimum=1,
        maximum=60,
    ),
    PolicyKey(
        "temp_other_limit_wd",
        "其他(非急难型)临时救助办理时限",
        "int",
        12,
        "seed 002",
        unit="工作日",
        minimum=1,
        maximum=60,
    ),
    PolicyKey(
        "investigation_start_wd",
        "受理后启动调查时限",
        "int",
        3,
        "A Art.15",
        unit="工作日",
        minimum=1,
        maximum=30,
    ),
    PolicyKey(
        "check_start_wd",
        "核对请求后启动核对时限",
        "int",
        3,
        "A Art.17",
        unit="工作日",
        minimum=1,
        maximum=30,
    ),
    PolicyKey(
        "refusal_notice_wd",
        "不予确认书面告知时限",
        "int",
        3,
        "A Art.21; C Art.18",
        unit="工作日",
        minimum=1,
        maximum=30,
    ),
    PolicyKey(
        "objection_reinvestigation_wd",
        "公示异议重新调查时限",
        "int",
        15,
        "C Art.15",
        unit="工作日",
        minimum=1,
        maximum=60,
    ),
    PolicyKey(
        "emergency_help_hours",
        "急难型临时救助先行救助时限",
        "int",
        24,
        "seed 002",
        unit="小时",
        minimum=1,
        maximum=240,
    ),
    PolicyKey(
        "emergency_paperwork_wd",
        "急难型临时救助补办手续时限",
        "int",
        5,
        "seed 002",
        unit="工作日",
        minimum=1,
        maximum=30,
    ),
    PolicyKey(
        "emergency_help_soon_hours",
        "急难型先行救助临期提醒提前量",
        "int",
        4,
        "seed 002",
        unit="小时",
        minimum=0,
        maximum=240,
    ),
    PolicyKey(
        "emergency_causes",
        "急难型临时救助事由(以顿号分隔)",
        "text",
        "火灾、交通事故、意外伤害、突发重大疾病、自然灾害、其他突发事件",
        "G; seed 002",
        group="流程",
    ),
    PolicyKey(
        "referral_need_kinds",
        "一门受理转办事项(以顿号分隔)",
        "text",
        "医疗救助、教育救助、住房救助、就业救助、受灾人员救助、其他",
        "seeds 002, 004",
        group="流程",
    ),
    PolicyKey(
        "emergency_skip_check",
        "急难型临时救助免于经济状况核对",
        "bool",
        True,
        "G; seed 002",
        group="流程",
    ),
    PolicyKey(
        "emergency_skip_evaluation",
        "急难型临时救助免于民主评议",
        "bool",
        True,
        "G; seed 002",
        group="流程",
    ),
    PolicyKey(
        "emergency_skip_notice",
        "急难型临时救助免于公示",
        "bool",
        True,
        "G; seed 002",
        group="流程",
    ),
    PolicyKey("due_soon_wd", "临期提醒提前量", "int", 3, "", unit="工作日", minimum=0, maximum=30),
    PolicyKey(
        "rectification_due_wd",
        "整改通知默认期限",
        "int",
        10,
        "seeds 000, 003",
        unit="工作日",
        minimum=1,
        maximum=90,
    ),
    # §4 workflow options
    PolicyKey(
        "notice_days",
        "公示期",
        "int",
        7,
        "A Art.19; C Art.15",
        group="流程",
        unit="天",
        minimum=1,
        maximum=30,
    ),
    PolicyKey(
        "notice_counts_in_limit",
        "公示期计入办理时限",
        "bool",
        False,
        "seed 000 (不含公示期)",
        group="流程",
    ),
    PolicyKey(
        "notice_timing",
        "公示时点",
        "choice",
        "before",
        "A Art.19; seed 002",
        group="流程",
        choices=NOTICE_TIMING_CHOICES,
    ),
    PolicyKey(
        "notice_mask_rule",
        "公示姓名遮蔽规则",
        "choice",
        "stars",
        "A Art.24; F §4(2); DOMAIN §8 (保留姓氏)",
        group="公示",
        choices=MASK_RULE_CHOICES,
    ),
    PolicyKey(
        "notice_rows_per_page",
        "公示每页户数",
        "int",
        25,
        "",
        group="公示",
        unit="户",
        minimum=5,
        maximum=60,
    ),
    PolicyKey(
        "notice_photo_warning_wd",
        "张贴照片未上传提醒",
        "int",
        1,
        "",
        group="公示",
        unit="工作日",
        minimum=1,
        maximum=10,
    ),
    PolicyKey(
        "objection_rate_limit",
        "在线异议每地址每小时上限",
        "int",
        5,
        "",
        group="公示",
        unit="件",
        minimum=1,
        maximum=100,
    ),
    PolicyKey(
        "evaluation_mode",
        "民主评议",
        "choice",
        "on_objection",
        "A Art.19; E item 24; seeds 002, 003",
        group="流程",
        choices=EVALUATION_CHOICES,
    ),
    PolicyKey("parallel_check_visit", "核对与入户并行", "bool", False, "seed 002", group="流程"),
    PolicyKey(
        "min_investigators",
        "入户调查最少人数",
        "int",
        2,
        "A Art.16",
        group="流程",
        unit="人",
        minimum=2,
        maximum=10,
    ),
    # §6 supervision
    PolicyKey(
        "spot_check_ratio_dibao",
        "低保新增对象抽查比例",
        "decimal",
        Decimal("0.30"),
        "2012 办法 ≥30%",
        group="监管",
        minimum=Decimal("0"),
        maximum=Decimal("1"),
    ),
    PolicyKey(
        "spot_check_ratio_tekun",
        "特困新增对象抽查比例",
        "decimal",
        Decimal("0.30"),
        "C Art.16 (不低于30%)",
        group="监管",
        minimum=Decimal("0.30"),
        maximum=Decimal("1"),
    ),
    PolicyKey(
        "spot_check_ratio_temporary",
        "临时救助抽查比例",
        "decimal",
        Decimal("0.10"),
        "",
        group="监管",
        minimum=Decimal("0"),
        maximum=Decimal("1"),
    ),
    # Issue 14: spot checks may sample review (复核) decisions too; on, as before.
    PolicyKey(
        "spot_check_include_reviews",
        "抽查样本包含复核决定",
        "bool",
        True,
        "",
        group="监管",
    ),
    # §7 money
    PolicyKey(
        "dibao_amount_mode",
        "低保金计算方式",
        "choice",
        "gap",
        "A Art.23; D Art.12",
        group="资金",
        choices=AMOUNT_MODE_CHOICES,
    ),
    PolicyKey(
        "amount_rounding", "金额取整", "choice", "yuan", "", group="资金", choices=ROUNDING_CHOICES
    ),
    PolicyKey(
        "amount_rounding_method",
        "取整方法",
        "choice",
        "half_up",
        "",
        group="资金",
        choices=ROUNDING_METHOD_CHOICES,
    ),
    PolicyKey(
        "dibao_margin_ratio",
        "低保边缘家庭认定倍数",
        "decimal",
        Decimal("1.5"),
        "A Art.8",
        group="资金",
        minimum=Decimal("1"),
        maximum=Decimal("3"),
    ),
    PolicyKey(
        "temp_cap_village",
        "临时救助村级互助金上限",
        "decimal",
        Decimal("1000"),
        "seed 004",
        group="资金",
        unit="元",
        minimum=Decimal("0"),
    ),
    PolicyKey(
        "temp_cap_township",
        "临时救助乡镇审批上限",
        "decimal",
        Decimal("2000"),
        "seed 004",
        group="资金",
        unit="元",
        minimum=Decimal("0"),
    ),
    PolicyKey(
        "temp_cap_combined",
        "村镇合计救助上限(超出报县)",
        "decimal",
        Decimal("3000"),
        "seed 004",
        group="资金",
        unit="元",
        minimum=Decimal("0"),
    ),
    PolicyKey(
        "temp_small_amount_limit",
        "小额临时救助上限(仅委托小额时，超出报县)",
        "decimal",
        Decimal("1000"),
        "seed 001",
        group="资金",
        unit="元",
        minimum=Decimal("0"),
    ),
    PolicyKey(
        "temp_delegation_small_only",
        "乡镇仅获委托审批小额临时救助",
        "bool",
        False,
        "seed 001",
        group="资金",
    ),
    PolicyKey(
        "temp_yearly_cap",
        "临时救助每户年度累计上限(超出报县)",
        "decimal",
        Decimal("3000"),
        "G; seed 004",
        group="资金",
        unit="元",
        minimum=Decimal("0"),
    ),
    PolicyKey(
        "temp_same_cause_per_year",
        "同一事由每户每年救助次数上限(超出报县)",
        "int",
        1,
        "G",
        group="资金",
        unit="次",
        minimum=0,
        maximum=12,
    ),
    PolicyKey(
        "temp_amount_rule",
        "支出型临时救助金额计算方式",
        "choice",
        "standard_multiple",
        "G",
        group="资金",
        choices=(
            ("standard_multiple", "按低保标准倍数(按困难程度)"),
            ("expenditure_ratio", "按(合规支出-其他救助)×比例"),
        ),
    ),
    PolicyKey(
        "temp_multiple_general",
        "临时救助·一般困难(低保标准倍数)",
        "decimal",
        Decimal("1"),
        "G",
        group="资金",
        unit="倍",
        minimum=Decimal("0"),
        maximum=Decimal("24"),
    ),
    PolicyKey(
        "temp_multiple_serious",
        "临时救助·较重困难(低保标准倍数)",
        "decimal",
        Decimal("2"),
        "G",
        group="资金",
        unit="倍",
        minimum=Decimal("0"),
        maximum=Decimal("24"),
    ),
    PolicyKey(
        "temp_multiple_severe",
        "临时救助·严重困难(低保标准倍数)",
        "decimal",
        Decimal("3"),
        "G",
        group="资金",
        unit="倍",
        minimum=Decimal("0"),
        maximum=Decimal("24"),
    ),
    PolicyKey(
        "temp_expenditure_ratio",
        "临时救助·自付合规支出救助比例",
        "decimal",
        Decimal("0.3"),
        "G",
        group="资金",
        minimum=Decimal("0"),
        maximum=Decimal("1"),
    ),
    # §8 records
    PolicyKey(
        "archive_number_pattern",
        "档号格式",
        "text",
        "{county}{year}{type}{seq:04d}",
        "seeds 000, 001",
        group="档案",
    ),
    PolicyKey(
        "archive_export_keep_days",
        "档案导出文件保留天数",
        "int",
        7,
        "",
        group="档案",
        unit="天",
        minimum=1,
        maximum=90,
    ),
    PolicyKey(
        "roster_recovery_mode",
        "追缴方式",
        "choice",
        "offset",
        "A Art.25",
        group="资金",
        choices=RECOVERY_MODE_CHOICES,
    ),
    PolicyKey(
        "roster_run_day",
        "花名册自动生成日(每月几日，0为不自动生成)",
        "int",
        0,
        "seeds 000, 002",
        group="资金",
        unit="日",
        minimum=0,
        maximum=28,
    ),
    PolicyKey(
        "addon_basis",
        "分类施保加发方式",
        "choice",
        "percent",
        "",
        group="分类施保",
        choices=ADDON_BASIS_CHOICES,
    ),
    PolicyKey(
        "addon_combine",
        "分类施保多项同时符合时",
        "choice",
        "highest",
        "",
        group="分类施保",
        choices=ADDON_COMBINE_CHOICES,
    ),
    PolicyKey(
        "four_eyes_registration",
        "四眼原则·登记人不得作出决定",
        "bool",
        True,
        "A Art.11",
        group="回避与四眼原则",
    ),
    PolicyKey(
        "four_eyes_acceptance",
        "四眼原则·受理人不得作出决定",
        "bool",
        True,
        "A Art.11",
        group="回避与四眼原则",
    ),
    PolicyKey(
        "four_eyes_investigation",
        "四眼原则·入户调查人不得作出决定",
        "bool",
        True,
        "A Art.11",
        group="回避与四眼原则",
    ),
    PolicyKey(
        "panel_required_for_confirmation",
        "审核确认须经评审小组集体研究",
        "bool",
        False,
        "seed 001",
        group="回避与四眼原则",
    ),
    PolicyKey(
        "review_months_stable",
        "动态管理·收入稳定家庭复核间隔",
        "int",
        12,
        "A Art.31",
        group="动态管理",
        unit="个月",
        minimum=1,
        maximum=36,
    ),
    PolicyKey(
        "review_months_variable",
        "动态管理·收入不稳定或有劳动能力成员家庭复核间隔",
        "int",
        6,
        "A Art.31",
        group="动态管理",
        unit="个月",
        minimum=1,
        maximum=24,
    ),
    PolicyKey(
        "review_irregular_income",
        "动态管理·按收入不稳定复核的家庭",
        "choice",
        "none",
        "A Art.31 (收入不稳定的家庭每半年复核一次；何为不稳定由县(区)规定)",
        group="动态管理",
        choices=IRREGULAR_INCOME_CHOICES,
    ),
    PolicyKey(
        "review_work_age_min",
        "动态管理·劳动年龄下限",
        "int",
        16,
        "A Art.31",
        group="动态管理",
        unit="周岁",
        minimum=14,
        maximum=25,
    ),
    PolicyKey(
        "review_work_age_max",
        "动态管理·劳动年龄上限(不含)",
        "int",
        60,
        "A Art.31",
        group="动态管理",
        unit="周岁",
        minimum=45,
        maximum=70,
    ),
    PolicyKey(
        "review_open_ahead_days",
        "动态管理·复核到期前提前生成复核案件",
        "int",
        30,
        "",
        group="动态管理",
        unit="天",
        minimum=0,
        maximum=120,
    ),
    PolicyKey(
        "review_death_recheck_months",
        "动态管理·成员死亡后复核期限",
        "int",
        3,
        "F §1(3)",
        group="动态管理",
        unit="个月",
        minimum=1,
        maximum=12,
    ),
    PolicyKey(
        "review_change_recheck_months",
        "动态管理·其他情况变化后复核期限",
        "int",
        1,
        "A Art.31",
        group="动态管理",
        unit="个月",
        minimum=1,
        maximum=12,
    ),
    PolicyKey(
        "review_check_required",
        "动态管理·复核须重新进行经济状况核对",
        "bool",
        False,
        "A Art.31",
        group="动态管理",
    ),
    PolicyKey(
        "phase_out_max_months",
        "动态管理·渐退期最长",
        "int",
        6,
        "F §1(3)",
        group="动态管理",
        unit="个月",
        minimum=0,
        maximum=12,
    ),
    PolicyKey(
        "tekun_termination_notice_days",
        "动态管理·特困终止前公示天数",
        "int",
        7,
        "C Art.25",
        group="动态管理",
        unit="天",
        minimum=0,
        maximum=30,
    ),
    # Not in DOMAIN.md nor the seeds: 60 days is the time to ask for 行政复议 (行政复议法
    # Art.20), which the notice states beside the county's 复查 (A Art.29, C Art.26).
    PolicyKey(
        "review_reexamination_days",
        "动态管理·暂停或停止救助通知中申请复查的期限",
        "int",
        60,
        "",
        group="动态管理",
        unit="日",
        minimum=15,
        maximum=180,
    ),
    PolicyKey(
        "dishonesty_expiry_months",
        "动态管理·失信记录有效期",
        "int",
        36,
        "seed 002",
        group="动态管理",
        unit="个月",
        minimum=1,
        maximum=120,
    ),
    # Not in DOMAIN.md nor the seeds: off until the county's policy lists a funeral subsidy.
    PolicyKey(
        "funeral_subsidy_reminder",
        "动态管理·单人户死亡时提醒办理丧葬补助",
        "bool",
        False,
        "",
        group="动态管理",
    ),
    PolicyKey(
        "funeral_subsidy_note",
        "动态管理·丧葬补助提醒内容(标准、申领办法)",
        "text",
        "请告知其亲属或后事承办人按本县规定向乡镇(街道)申领丧葬补助",
        "",
        group="动态管理",
    ),
    _addon("addon_elderly", "老年人"),
    PolicyKey(
        "addon_elderly_age",
        "分类施保·老年人起始年龄",
        "int",
        60,
        "",
        group="分类施保",
        unit="周岁",
        minimum=50,
        maximum=100,
    ),
    _addon("addon_disabled_severe", "重度残疾人(一、二级)"),
    _addon("addon_disabled_other", "其他残疾人(三、四级)"),
    _addon("addon_serious_illness", "重病患者"),
    _addon("addon_minor", "未成年人"),
    PolicyKey(
        "addon_minor_age",
        "分类施保·未成年人年龄上限(不含)",
        "int",
        18,
        "",
        group="分类施保",
        unit="周岁",
        minimum=1,
        maximum=25,
    ),
)

KEY_BY_NAME: dict[str, PolicyKey] = {k.key: k for k in KEYS}


@dataclass(frozen=True)
class Policy:
    """The values in force for one township on one date. Attribute access by key."""

    values: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)  # key → "默认值" / county / township name
    on: datetime.date | None = None
    levels: dict[str, str] = field(default_factory=dict)  # key → "default" / "county" / "township"
    rows: dict[str, Any] = field(default_factory=dict)  # key → the PolicySetting in force (if any)

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not fields; guard against recursion while a
        # copy/unpickle has not set ``values`` yet.
        if name.startswith("_") or name in ("values", "sources", "on", "levels", "rows"):
            raise AttributeError(name)
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def as_snapshot(self) -> dict[str, Any]:
        data = {k: KEY_BY_NAME[k].to_json(v) for k, v in self.values.items()}
        data["_on"] = self.on.isoformat() if self.on else None
        return data

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> Policy:
        """Rebuild from a case's stored snapshot; keys added to the registry since then take
        their code default (the case was accepted before they existed)."""
        values = {k.key: k.default for k in KEYS}
        for key, raw in snapshot.items():
            if key in KEY_BY_NAME:
                values[key] = KEY_BY_NAME[key].from_json(raw)
        on = snapshot.get("_on")
        return cls(values=values, on=datetime.date.fromisoformat(on) if on else None)


def policy_for(township, on: datetime.date) -> Policy:
    """Values in force for ``township`` (a Region of level township, or a county for its
    defaults; a village answers for its township) on ``on``: code default ← county row ←
    township row, each the latest row effective on or before ``on`` (ties: the row
    recorded last). One query."""

    if township.level == Region.Level.VILLAGE:
        township = township.parent
    regions = [township]
    if township.level == Region.Level.TOWNSHIP and township.parent_id:
        regions = [township.parent, township]
    values = {k.key: k.default for k in KEYS}
    sources = {k.key: "默认值" for k in KEYS}
    levels = {k.key: "default" for k in KEYS}
    in_force: dict[str, Any] = {}
    rows = (
        PolicySetting.objects.filter(region__in=regions, effective_from__lte=on)
        .order_by("effective_from", "created_at", "pk")
        .select_related("region")
    )
    by_level: dict[str, dict[str, PolicySetting]] = {"county": {}, "township": {}}
    for row in rows:
        if row.key in KEY_BY_NAME and row.region.level in by_level:
            by_level[row.region.level][row.key] = row  # later rows win
    for level in ("county", "township"):
        for key, row in by_level[level].items():
            values[key] = KEY_BY_NAME[key].from_json(row.value)
            sources[key] = row.region.name
            levels[key] = level
            in_force[key] = row
    return Policy(values=values, sources=sources, on=on, levels=levels, rows=in_force)


def policy_set(
    *, region, key: str, raw_value: Any, effective_from: datetime.date, actor, note: str = ""
):
    """Record a new value for ``key``; validation errors are raised in Chinese."""

    if key not in KEY_BY_NAME:
        raise ValidationError(f"未知的政策项：{key}")
    if region.level not in (Region.Level.COUNTY, Region.Level.TOWNSHIP):
        raise ValidationError("政策参数只能设置到县(区)或乡镇(街道)")
    if effective_from is None:
        raise ValidationError({"effective_from": "请填写生效日期"})
    spec = KEY_BY_NAME[key]
    try:
        value = spec.parse(raw_value)
    except ValidationError as e:
        raise ValidationError({"value": e.messages})
    _check_consistency(region=region, key=key, value=value, on=effective_from)
    return PolicySetting.objects.create(
        region=region,
        key=key,
        value=spec.to_json(value),
        effective_from=effective_from,
        created_by=actor,
        note=note,
    )


#: (smaller, larger): the first may never exceed the second in the values in force.
CONSISTENCY = (
    ("dibao_limit_delegated_wd", "limit_max_extended_wd"),
    ("dibao_limit_county_wd", "limit_max_extended_wd"),
    ("temp_cap_village", "temp_cap_combined"),
    ("temp_cap_township", "temp_cap_combined"),
)


def _check_consistency(*, region, key: str, value: Any, on: datetime.date) -> None:
    """A time limit above the extended maximum, or a village cap above the combined cap,
    would make the other setting meaningless: refuse it at the value, in Chinese."""
    values = dict(policy_for(region, on).values)
    values[key] = value
    for small, large in CONSISTENCY:
        if key not in (small, large) or values[small] <= values[large]:
            continue
        s, l = KEY_BY_NAME[small], KEY_BY_NAME[large]
        if key == small:
            msg = f"{s.label}不能大于{l.label}（现为 {values[large]}{l.unit}）"
        else:
            msg = f"{l.label}不能小于{s.label}（现为 {values[small]}{s.unit}）"
        raise ValidationError({"value": msg})
