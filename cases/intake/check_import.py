"""Batch import of economic-check results exported by the provincial check platform.

File: CSV (UTF-8, with or without BOM; GB18030 also accepted) or XLSX (first sheet).
The first row holds the column headers below (order free, extra columns ignored); one
row per household member:

=============  ========  ===========================================================
column         required  content
=============  ========  ===========================================================
案件编号         yes       the case number the check was requested for
身份证号         yes       the member's 18-character ID number (must be in the household)
姓名            yes       the member's name (must match the household record)
月收入           yes       monthly income in yuan, ≥ 0, at most 2 decimals
存款            no        deposits in yuan (default 0)
车辆数           no        number of vehicles (default 0)
房产数           no        number of properties (default 0)
工商登记         no        是 / 否 (default 否)
核对结论         yes       符合条件 / 不符合条件 / 需进一步核实 — the same on every row of a case
结论说明         no        free text (the first non-empty one of a case is used)
备注            no        free text per member
=============  ========  ===========================================================

All or nothing: every row is checked first; if any row is bad the whole file is
rejected with the row number (as shown in a spreadsheet, header = row 1) and reason of
every bad row, and nothing is saved. Re-importing the same file changes nothing: a file
already imported (same SHA-256) is recognised, and a case whose check was already
returned with the same figures is skipped (with different figures it is a bad row).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import load_workbook

from cases.intake import idnumbers
from cases.intake.models.household import MAX_ASSET_VALUE, MAX_MONTHLY_AMOUNT
from cases.intake.selectors import checks_for_user
from cases.intake.services.checks import check_return
from cases.intake.services.common import parse_money
from cases.models import Case, CheckImportBatch, EconomicCheck
from relief.errors import Refused
from relief.models import Role
from relief.scoping import scope_by_region
from relief.uploadlimits import (
    ImportTooLarge,
    check_import_size,
    check_row_count,
    check_xlsx_container,
    max_rows_to_read,
    read_import_upload,
)

COLUMNS = OrderedDict(
    [
        ("案件编号", "case_number"),
        ("身份证号", "id_number"),
        ("姓名", "name"),
        ("月收入", "monthly_income"),
        ("存款", "deposits"),
        ("车辆数", "vehicles"),
        ("房产数", "properties"),
        ("工商登记", "business_registered"),
        ("核对结论", "conclusion"),
        ("结论说明", "conclusion_note"),
        ("备注", "note"),
    ]
)
REQUIRED = ("案件编号", "身份证号", "姓名", "月收入", "核对结论")
CONCLUSIONS = {label: value for value, label in EconomicCheck.Conclusion.choices}
YES = {"是", "有", "y", "yes", "1", "true"}
NO = {"否", "无", "n", "no", "0", "false", ""}


class ImportRejected(Refused):
    """The file is refused; ``errors`` is [(row number or None, reason)]. The API answers 400
    with each reason at the ``file`` field and the rows in ``rejected``."""

    def __init__(self, errors: list[tuple[int | None, str]]):
        reasons = [m if r is None else f"第{r}行：{m}" for r, m in errors]
        super().__init__(
            {"file": reasons},
            detail="导入未执行：文件中有错误，请修改后重新导入",
            extra={"rejected": [{"row": r, "reason": m} for r, m in errors]},
        )
        self.errors = errors

    def __str__(self) -> str:
        return "；".join(f"第{r}行：{m}" if r else m for r, m in self.errors)


@dataclass
class ImportResult:
    already_imported: bool = False
    batch: CheckImportBatch | None = None
    returned: list[str] = field(default_factory=list)  # case numbers
    unchanged: list[str] = field(default_factory=list)
    rows: int = 0


def read_upload(upload) -> bytes:
    """The uploaded file's bytes, refused unread when larger than IMPORT_MAX_MB."""
    try:
        return read_import_upload(upload)
    except ImportTooLarge as exc:
        raise ImportRejected([(None, str(exc))])


def _read_rows(content: bytes, file_name: str) -> list[tuple[int, dict[str, str]]]:
    try:
        check_import_size(content)
        return _parse_rows(content, file_name)
    except ImportTooLarge as exc:
        raise ImportRejected([(None, str(exc))])


def _parse_rows(content: bytes, file_name: str) -> list[tuple[int, dict[str, str]]]:
    name = (file_name or "").lower()
    is_zip = content[:4] == b"PK\x03\x04"
    if name.endswith(".xlsx") or is_zip:
        if not is_zip:
            raise ImportRejected([(None, "文件扩展名为.xlsx，但内容不是Excel工作簿")])
        return _read_xlsx(content)
    if name and not name.endswith(".csv"):
        raise ImportRejected([(None, "只接受CSV或XLSX文件")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected([(None, "无法识别CSV文件的编码（请使用UTF-8）")])
    if "\x00" in text:
        raise ImportRejected([(None, "文件内容不是文本格式的CSV")])
    reader = csv.reader(io.StringIO(text))
    return _rows_from(list(itertools.islice(reader, max_rows_to_read())))


def _read_xlsx(content: bytes) -> list[tuple[int, dict[str, str]]]:
    # The unpacked size comes from the zip directory, before openpyxl inflates anything.
    check_xlsx_container(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ImportRejected([(None, "无法读取Excel文件，文件可能已损坏")])
    ws = wb.worksheets[0]
    table = []
    for row in ws.iter_rows(values_only=True, max_row=max_rows_to_read()):
        table.append(["" if v is None else _cell(v) for v in row])
    wb.close()
    return _rows_from(table)


def _cell(value) -> str:
    if isinstance(value, float):
        # Excel stores numbers as floats; render without binary noise, then parse as Decimal.
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _rows_from(table: list[list[str]]) -> list[tuple[int, dict[str, str]]]:
    if not table:
        raise ImportRejected([(None, "文件为空")])
    header = [str(h).strip() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportRejected([(1, "缺少必填列：" + "、".join(missing))])
    index = {h: i for i, h in enumerate(header) if h in COLUMNS}
    rows = []
    for n, raw in enumerate(table[1:], start=2):
        if not any(str(v).strip() for v in raw):
            continue
        rows.append(
            (
                n,
                {
                    COLUMNS[h]: (str(raw[i]).strip() if i < len(raw) else "")
                    for h, i in index.items()
                },
            )
        )
    if not rows:
        raise ImportRejected([(None, "文件中没有数据行")])
    check_row_count(len(rows))
    return rows


def _money(raw: str, label: str, errors: list[str], required: bool) -> Decimal:
    try:
        return parse_money(
            raw,
            maximum=MAX_ASSET_VALUE if label == "存款" else MAX_MONTHLY_AMOUNT,
            required=required,
        )
    except ValidationError as exc:
        errors.append(f"{label}：{exc.messages[0]}")
        return Decimal("0")


def _count(raw: str, label: str, errors: list[str]) -> int:
    if raw in ("", None):
        return 0
    try:
        value = int(Decimal(raw))
        if Decimal(raw) != value or not 0 <= value <= 1000:
            raise ValueError
        return value
    except Exception:
        errors.append(f"{label}：应为0至1000的整数")
        return 0


def check_results_import(*, actor, content: bytes, file_name: str) -> ImportResult:
    """Validate every row, then return all the checks in one transaction (or nothing)."""
    if not actor.has_role(Role.COUNTY_VERIFIER):
        raise ImportRejected([(None, "只有县核对机构可以导入核对结果")])
    digest = hashlib.sha256(content).hexdigest()
    previous = CheckImportBatch.objects.filter(sha256=digest).first()
    if previous is not None:
        return ImportResult(already_imported=True, batch=previous)
    rows = _read_rows(content, file_name)
    visible = scope_by_region(Case.objects.all(), actor).select_related("household", "township")
    cases = {c.number: c for c in visible.filter(number__in={r["case_number"] for _, r in rows})}
    bad: list[tuple[int, str]] = []
    groups: OrderedDict[str, dict] = OrderedDict()
    seen: dict[tuple[str, str], int] = {}
    for n, row in rows:
        errors: list[str] = []
        case = cases.get(row["case_number"])
        if not row["case_number"]:
            errors.append("案件编号为空")
        elif case is None:
            errors.append(f"案件编号“{row['case_number']}”不存在或不在本县")
        number = ""
        try:
            number = idnumbers.parse_id_number(row["id_number"]).number
        except ValidationError as exc:
            errors.append(exc.messages[0])
        member = None
        if case is not None and number:
            member = next((m for m in case.household.members.all() if m.id_number == number), None)
            if member is None:
                errors.append("该身份证号不是本案家庭成员")
            elif member.name != row["name"]:
                errors.append(f"姓名“{row['name']}”与家庭成员登记的“{member.name}”不一致")
        if number and (row["case_number"], number) in seen:
            errors.append(f"与第{seen[(row['case_number'], number)]}行重复")
        seen.setdefault((row["case_number"], number), n)
        income = _money(row["monthly_income"], "月收入", errors, True)
        deposits = _money(row.get("deposits", ""), "存款", errors, False)
        vehicles = _count(row.get("vehicles", ""), "车辆数", errors)
        properties = _count(row.get("properties", ""), "房产数", errors)
        flag = row.get("business_registered", "").strip().lower()
        if flag not in YES | NO:
            errors.append("工商登记：应填“是”或“否”")
        conclusion = CONCLUSIONS.get(row["conclusion"])
        if conclusion is None:
            errors.append("核对结论：应为 " + "、".join(CONCLUSIONS) + " 之一")
        group = groups.get(row["case_number"])
        if (
            group is not None
            and conclusion
            and group["conclusion"]
            and group["conclusion"] != conclusion
        ):
            errors.append(f"核对结论与同一案件第{group['first_row']}行不一致")
        if errors:
            bad.append((n, "；".join(errors)))
            continue
        if group is None:
            group = groups[row["case_number"]] = {
                "case": case,
                "conclusion": conclusion,
                "note": "",
                "rows": [],
                "first_row": n,
            }
        group["note"] = group["note"] or row.get("conclusion_note", "")
        group["rows"].append(
            {
                "id_number": number,
                "monthly_income": income,
                "deposits": deposits,
                "vehicles": vehicles,
                "properties": properties,
                "business_registered": flag in YES,
                "note": row.get("note", "")[:200],
                "_row": n,
            }
        )
    # Per case: an open request to return, or an identical earlier return (no-op).
    checks = {}
    for number, group in groups.items():
        case = group["case"]
        open_check = (
            checks_for_user(user=actor)
            .filter(case=case, status=EconomicCheck.Status.REQUESTED)
            .first()
        )
        if open_check is not None:
            checks[number] = open_check
            continue
        returned = (
            checks_for_user(user=actor)
            .filter(case=case, status=EconomicCheck.Status.RETURNED)
            .prefetch_related("member_results")
            .first()
        )
        if returned is not None and _same(returned, group):
            group["unchanged"] = True
            continue
        reason = (
            "该案件的核对结果已返回，且与本文件内容不一致"
            if returned
            else "该案件没有待返回的核对申请"
        )
        for r in group["rows"]:
            bad.append((r["_row"], reason))
    if bad:
        raise ImportRejected(sorted(bad, key=lambda e: e[0] or 0))

    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        batch = CheckImportBatch.objects.create(
            sha256=digest,
            file_name=(file_name or "")[-200:],
            file_format="xlsx" if content[:4] == b"PK\x03\x04" else "csv",
            rows=len(rows),
            imported_by=actor,
        )
        for number, group in groups.items():
            if group.get("unchanged"):
                result.unchanged.append(number)
                continue
            try:
                check_return(
                    check=checks[number],
                    actor=actor,
                    conclusion=group["conclusion"],
                    conclusion_note=group["note"],
                    member_results=[
                        {k: v for k, v in r.items() if k != "_row"} for r in group["rows"]
                    ],
                    import_batch=batch,
                )
            except ValidationError as exc:
                transaction.set_rollback(True)
                raise ImportRejected([(group["first_row"], "；".join(exc.messages))])
            result.returned.append(number)
        batch.checks_returned = len(result.returned)
        batch.save(update_fields=["checks_returned"])
        result.batch = batch
    return result


def _same(check: EconomicCheck, group: dict) -> bool:
    if check.conclusion != group["conclusion"]:
        return False
    existing = {
        r.id_number: (r.monthly_income, r.deposits, r.vehicles, r.properties, r.business_registered)
        for r in check.member_results.all()
    }
    incoming = {
        r["id_number"]: (
            r["monthly_income"],
            r["deposits"],
            r["vehicles"],
            r["properties"],
            r["business_registered"],
        )
        for r in group["rows"]
    }
    return existing == incoming
