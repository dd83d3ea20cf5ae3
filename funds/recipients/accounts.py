"""Bank account numbers: digits, length, and the Luhn check where the scheme uses it.

Which numbers carry a Luhn (ISO/IEC 7812 mod-10) check digit:

- **Bank cards** (银行卡, including 社保卡 and the 一卡通 cards): every card number is issued
  under ISO/IEC 7812 and ends in a Luhn check digit — UnionPay (银联) debit cards (BIN
  ``62…``) and the older domestic BINs alike. We check length 16–19 and Luhn.
- **Passbooks** (存折, e.g. the 农村信用社 / 农商行 passbook behind 惠农一本通): these are
  account numbers, not card numbers; each bank numbers its accounts its own way and there is
  no public check digit. We check digits and length only.
"""

from __future__ import annotations

import re

from funds.recipients.models import AccountKind, Bank

CARD_LENGTHS = range(16, 20)
PASSBOOK_LENGTHS = range(16, 20)
_SEPARATORS = re.compile(r"[\s-]+")


def luhn_valid(digits: str) -> bool:
    """ISO/IEC 7812 mod-10: double every second digit from the right."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def normalize_account_number(raw: str) -> str:
    """Spaces and dashes, as people type and print them, are dropped."""
    return _SEPARATORS.sub("", (raw or "").strip())


def account_number_errors(number: str, *, kind: str) -> list[str]:
    """Readable reasons the (normalized) number is not acceptable; empty when it is."""
    if not number:
        return ["请填写账号"]
    if not number.isdigit() or not number.isascii():
        return ["账号只能包含数字"]
    lengths = CARD_LENGTHS if kind == AccountKind.CARD else PASSBOOK_LENGTHS
    if len(number) not in lengths:
        return [f"账号应为{lengths.start}–{lengths.stop - 1}位数字，当前为{len(number)}位"]
    if kind == AccountKind.CARD and not luhn_valid(number):
        return ["卡号校验位不正确（银行卡号按ISO/IEC 7812校验），请核对后重新输入"]
    return []


#: Words in a free-text bank name (as households state it) → the bank list.
_BANK_WORDS = (
    ("农商", Bank.RCB),
    ("农村商业", Bank.RCB),
    ("信用社", Bank.RCC),
    ("信用合作", Bank.RCC),
    ("邮政", Bank.PSBC),
    ("邮储", Bank.PSBC),
    ("农业银行", Bank.ABC),
    ("农行", Bank.ABC),
    ("工商银行", Bank.ICBC),
    ("工行", Bank.ICBC),
    ("建设银行", Bank.CCB),
    ("建行", Bank.CCB),
    ("交通银行", Bank.BOCOM),
    ("村镇银行", Bank.VILLAGE_BANK),
    ("中国银行", Bank.BOC),
)


def bank_from_name(name: str) -> str | None:
    """The bank a free-text name such as "当涂农商银行" or "中国农业银行当涂支行" means."""
    text = name or ""
    return next((bank for word, bank in _BANK_WORDS if word in text), None)


def luhn_check_digit(body: str) -> str:
    """The digit that makes ``body`` + digit pass the Luhn check."""
    return next(d for d in "0123456789" if luhn_valid(body + d))
