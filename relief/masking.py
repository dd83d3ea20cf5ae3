"""De-identified names for public lists (公示, 长期公示): the surname is kept, the rest masked
(DOMAIN §8; A Art.24, F §4(2)). The one place both the case notices and the standing list
of recipients call, so paper, public page and API never disagree. Also the masking of a
member's disability type and grade in the amount computations' steps (PIPL), and of staff
ID numbers on the user administration pages (no reveal there: always masked)."""

from __future__ import annotations

import re

#: Two-character surnames (复姓) kept whole; a name starting with one of these keeps both
#: characters when it is longer than the surname itself.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 "
    "闻人 南宫 西门 万俟 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 赫连 拓跋 独孤 呼延 "
    "端木 百里 东郭 左丘 第五 梁丘 司空 司寇 子车 亓官 仉督 巫马 公西 漆雕 乐正 壤驷 "
    "公良 拓拔 夹谷 宰父 谷梁 段干 闾丘 鲜于".split()
)

#: Policy choices for ``notice_mask_rule`` (relief/policy.py).
MASK_RULE_CHOICES = (
    ("stars", "保留姓氏，其余每字一个*（张**）"),
    ("one_star", "保留姓氏，其余统一为一个*（张*）"),
    ("fixed_two", "保留姓氏，其余统一为两个*（张**）"),
)


def surname_of(name: str) -> str:
    """The surname: a compound surname when the name starts with one and is longer than it,
    else the first character."""
    name = (name or "").strip()
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2]
    return name[:1]


def mask_name(name: str, rule: str = "stars") -> str:
    """``张三丰`` → ``张**`` (rule ``stars``). A one-character name still shows a mask, so
    the length of a public name never equals the real one by accident: ``张`` → ``张*``."""
    name = "".join((name or "").split())
    if not name:
        return "*"
    surname = surname_of(name)
    rest = max(len(name) - len(surname), 1)
    if rule == "one_star":
        return surname + "*"
    if rule == "fixed_two":
        return surname + "**"
    return surname + "*" * rest


#: A disability's type and grade as the amount computations write it (funds.standards
#: .calculators: ``肢体残疾2级`` in the 特困 condition, ``2级重度残疾人`` / ``3级残疾人`` in
#: 分类施保).
_DISABILITY_DETAIL = re.compile(r"(?:视力|听力|言语|肢体|智力|精神|多重)?残疾[1-4一二三四]级")
_DISABILITY_GRADE = re.compile(r"[1-4一二三四]级(重度)?残疾人")


def mask_health_details(text: str) -> str:
    """A computation step with a member's disability type and grade masked (PIPL: health
    and disability are sensitive): ``条件一 无劳动能力：肢体残疾2级`` → ``…：残疾（已登记）``,
    ``2级重度残疾人`` → ``重度残疾人`` (the 分类施保 category the amount depends on stays)."""
    text = _DISABILITY_DETAIL.sub("残疾（已登记）", text or "")
    return _DISABILITY_GRADE.sub(lambda m: f"{m.group(1) or ''}残疾人", text)


def mask_id_number(number: str) -> str:
    """An ID number as lists and forms show it to people who need only to recognise the
    person: the first four and the last four characters, ``3401**********123X`` (the same
    shape as the case pages' masked ID numbers). Empty stays empty."""
    number = "".join((number or "").split()).upper()
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
