"""Resident identity numbers (GB 11643-1999, DOMAIN §8): a thin wrapper on
``stdnum.cn.ric`` that answers in Chinese and derives sex and birth date.

The place code is checked only for a plausible province (11–82): numbers issued under
since-abolished county codes are still valid identities, and stdnum's place database
does not know every historical code.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from stdnum.cn import ric

EARLIEST_BIRTH = datetime.date(1900, 1, 1)


@dataclass(frozen=True)
class IdInfo:
    number: str
    birth_date: datetime.date
    sex: str  # "M" | "F" (cases.models.Member.Sex)

    def age_on(self, day: datetime.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth: datetime.date, day: datetime.date) -> int:
    """Full years on ``day`` (a birthday counts from that day)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def normalise(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def parse_id_number(raw: str, *, today: datetime.date | None = None) -> IdInfo:
    """Validate an 18-character ID number; raise ValidationError with a Chinese message.

    Checks, in the order a clerk would fix them: length, digits, province, birth date
    (a real date, not in the future, not before 1900), check character (ISO 7064 MOD 11-2).
    """
    number = normalise(raw)
    today = today or timezone.localdate()
    if not number:
        raise ValidationError("请填写身份证号", code="required")
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(number)}位", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError("身份证号前17位须为数字，最后一位为数字或X", code="format")
    if not 11 <= int(number[:2]) <= 82:
        raise ValidationError("身份证号前两位不是有效的省级行政区划代码", code="place")
    try:
        birth = ric.get_birth_date(number)
    except Exception:
        raise ValidationError("身份证号中的出生日期不存在（第7–14位）", code="birth_date")
    if birth > today:
        raise ValidationError("身份证号中的出生日期晚于今天", code="future_birth")
    if birth < EARLIEST_BIRTH:
        raise ValidationError("身份证号中的出生日期早于1900年", code="birth_date")
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError("身份证号校验码错误，请核对后重新输入", code="checksum")
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdInfo(number=number, birth_date=birth, sex=sex)


def is_valid(raw: str) -> bool:
    try:
        parse_id_number(raw)
    except ValidationError:
        return False
    return True


def validate_id_number(raw: str) -> None:
    """Django field validator."""
    parse_id_number(raw)


def cross_check(
    info: IdInfo, *, sex: str | None = None, birth_date: datetime.date | None = None
) -> dict[str, str]:
    """Compare entered sex / birth date with what the ID number says; field → message."""
    errors = {}
    if sex and sex != info.sex:
        errors["sex"] = f"性别与身份证号不符（身份证号显示为{'男' if info.sex == 'M' else '女'}）"
    if birth_date and birth_date != info.birth_date:
        errors["birth_date"] = f"出生日期与身份证号不符（身份证号显示为{info.birth_date:%Y-%m-%d}）"
    return errors


def mask(number: str) -> str:
    """For lists shown to people who need only to recognise the person: 3401**********123X."""
    number = normalise(number)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


#: The label under which a household edit (``HouseholdEdit.changes``, keyed by the fields'
#: verbose names) records a member's ID number: ``Member.id_number``'s verbose name.
CHANGE_LABEL = "身份证号"


#: The labels under which a household edit records a member's health and disability
#: (``Member``'s verbose names): shown only as recorded or not, never the value.
SENSITIVE_CHANGE_LABELS = frozenset({"残疾类别", "残疾等级", "重病/慢性病"})

#: What a page or the API shows in place of a recorded health or disability detail.
RECORDED = "已登记"


def _masked_value(label: str, value: object) -> str:
    if not value:
        return ""
    return mask(str(value)) if label == CHANGE_LABEL else RECORDED


def mask_changes(changes: dict | None) -> dict:
    """A household edit's changes as shown on a page or answered by the API: an ID number's
    old and new values masked (:func:`mask`), a health or disability detail shown only as
    recorded (:data:`RECORDED`) or blank, everything else as recorded."""
    return {
        label: [_masked_value(label, v) for v in values]
        if (label == CHANGE_LABEL or label in SENSITIVE_CHANGE_LABELS)
        and isinstance(values, list | tuple)
        else values
        for label, values in (changes or {}).items()
    }
