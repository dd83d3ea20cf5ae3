"""The 在册对象 spreadsheet, written by the project's one writer (relief/exports.py), which
escapes text cells that a spreadsheet would run as formulas."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import QuerySet

from cases.intake.idnumbers import mask
from funds.recipients.models import Recipient, RecipientStatus
from relief.exports import xlsx_bytes

HEADER = [
    "乡镇(街道)",
    "村(社区)",
    "户主(申请人)",
    "身份证号(脱敏)",
    "救助类型",
    "状态",
    "保障人数",
    "月发放额(元)",
    "起始发放月",
    "开户银行",
    "账号(脱敏)",
    "依据标准与核算",
]


def recipient_rows(qs: QuerySet[Recipient]):
    """Rows in the list's order, then a totals row (money due: 暂停 and 停保 count 0)."""
    total, households = Decimal("0.00"), 0
    labels = dict(RecipientStatus.choices)
    for r in qs.select_related("township", "village", "assistance_type", "bank_account").iterator(
        chunk_size=2000
    ):
        households += 1
        total += r.monthly_amount
        account = r.bank_account
        yield [
            r.township.name,
            r.village.name,
            r.head_name,
            mask(r.head_id_number),
            r.assistance_type.name,
            labels.get(r.status, r.status),
            r.covered_count,
            r.monthly_amount,
            r.first_month.strftime("%Y-%m"),
            account.get_bank_display() if account else "待补账户",
            account.masked() if account else "",
            r.standard_label,
        ]
    yield ["合计", "", f"{households}户", "", "", "", None, total, "", "", "", ""]


def recipients_xlsx(qs: QuerySet[Recipient]) -> bytes:
    return xlsx_bytes(sheets=[("在册对象", HEADER, recipient_rows(qs))])
