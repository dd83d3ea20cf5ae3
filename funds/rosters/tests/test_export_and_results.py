"""The bank file (layout, escaping, totals, SHA-256), the bank's result file (all-or-nothing,
idempotent), arrears carried forward, and the reconciliation due = paid + failed + pending."""

from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from funds.rosters import services
from funds.rosters.models import LineKind, LineResult, RosterLine
from funds.rosters.selectors import reconciliation
from funds.rosters.tests.conftest import d

pytestmark = pytest.mark.django_db

COLUMNS = [
    "乡镇代码",
    "村(社区)",
    "姓名",
    "身份证号",
    "账号",
    "开户银行",
    "金额",
    "救助类型",
    "月份",
    "明细编号",
]


@pytest.fixture
def locked(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500", name="王桂芳")
    world.recipient(confirmed_on=d(2026, 8, 3), amount="420.50", name="=1+2")
    world.recipient(confirmed_on=d(2026, 8, 3), amount="300", name="李四", account=False)
    return world.run_and_lock(d(2026, 9))


def result_csv(rows, header=("明细编号", "结果", "失败原因")) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def test_the_xlsx_export_has_the_documented_columns_escaping_and_a_totals_row(world, locked):
    export = services.roster_export(run=locked, fmt="xlsx", actor=world.approver)
    data = export.file.read()
    assert export.sha256 == hashlib.sha256(data).hexdigest()
    assert export.exported_by == world.approver
    assert (export.row_count, export.total_amount) == (2, Decimal("920.50"))
    sheet = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == COLUMNS
    first, second = rows[1], rows[2]
    assert first[0] == "340521100000" and first[1] == "城东社区"
    assert first[2] == "王桂芳"
    assert first[4].isdigit() and len(first[4]) == 19  # account as text, never 6.2E+18
    assert first[5] == "农村信用社"
    assert first[6] == 500 and first[7] == "农村最低生活保障" and first[8] == "2026-09"
    assert first[9] == f"{locked.number}-0000001"
    assert second[2] == "'=1+2"  # a name that would run as a formula is escaped
    assert second[6] == 420.5
    assert rows[3][0] == "合计" and rows[3][1] == "2笔" and rows[3][6] == 920.5
    assert len(rows) == 4  # the held recipient without an account is not in the bank file


def test_the_csv_export_is_utf8_with_a_bom(world, locked):
    export = services.roster_export(run=locked, fmt="csv", actor=world.clerk)
    data = export.file.read()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert rows[2][2] == "'=1+2" and rows[2][6] == "420.50"
    assert rows[-1][:2] == ["合计", "2笔"] and rows[-1][6] == "920.50"


def test_only_a_locked_roster_is_exported(world):
    world.recipient(confirmed_on=d(2026, 8, 3), amount="500")
    run = world.run(d(2026, 9))
    with pytest.raises(services.RosterRefused, match="审核锁定后才能导出"):
        services.roster_export(run=run, fmt="xlsx", actor=world.approver)


def test_a_result_file_with_any_bad_row_is_refused_whole_naming_every_row(world, locked):
    other = world.run_and_lock(d(2026, 10))
    first, second = locked.lines.filter(channel="bank").order_by("line_no")
    data = result_csv(
        [
            [first.line_id, "成功", ""],
            [other.lines.first().line_id, "成功", ""],
            [second.line_id, "退回", ""],
            ["HM000000000000-0000009", "成功", ""],
            [first.line_id, "失败", "账户已销户"],
        ]
    )
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_import_results(
            run=locked, filename="回盘.csv", data=data, actor=world.clerk
        )
    messages = exc.value.messages
    assert any(m.startswith("第3行") and "属于另一份花名册" in m for m in messages)
    assert any(m.startswith("第4行") and "结果须为“成功”或“失败”" in m for m in messages)
    assert any(m.startswith("第5行") and "不存在" in m for m in messages)
    assert any(m.startswith("第6行") and "与第2行重复" in m for m in messages)
    assert len(messages) == 4
    assert not RosterLine.objects.exclude(result=LineResult.PENDING).exists()
    assert locked.result_imports.count() == 0


def test_results_are_recorded_once_and_failures_carry_into_the_next_roster(world, locked):
    first, second = locked.lines.filter(channel="bank").order_by("line_no")
    data = result_csv([[first.line_id, "成功", ""], [second.line_id, "失败", "账户已冻结"]])
    record, created = services.roster_import_results(
        run=locked, filename="回盘.csv", data=data, actor=world.clerk
    )
    assert created and (record.paid_count, record.failed_count) == (1, 1)
    locked.refresh_from_db()
    assert (locked.paid_amount, locked.failed_amount) == (Decimal("500.00"), Decimal("420.50"))
    again, created = services.roster_import_results(
        run=locked, filename="回盘-副本.csv", data=data, actor=world.clerk
    )
    assert (again.pk, created) == (record.pk, False)
    assert locked.result_imports.count() == 1
    second.refresh_from_db()
    assert (second.result, second.result_reason) == (LineResult.FAILED, "账户已冻结")
    # October carries the failed September line as 欠发补付 with the bank's reason.
    october = world.run(d(2026, 10))
    arrears = october.lines.filter(kind=LineKind.ARREARS).order_by("line_no")
    assert [(a.amount, a.detail["reason"]) for a in arrears] == [
        (Decimal("420.50"), "账户已冻结"),
        (Decimal("300.00"), "当时未登记有效发放账户，暂缓发放"),
    ]
    assert arrears[0].carried_from == second


def test_a_result_that_contradicts_an_earlier_file_is_refused(world, locked):
    first = locked.lines.filter(channel="bank").order_by("line_no").first()
    services.roster_import_results(
        run=locked,
        filename="a.csv",
        data=result_csv([[first.line_id, "成功", ""]]),
        actor=world.clerk,
    )
    with pytest.raises(services.RosterRefused, match="第2行.*已登记为“已发放”，不能改为“失败”"):
        services.roster_import_results(
            run=locked,
            filename="b.csv",
            data=result_csv([[first.line_id, "失败", "户名不符"]]),
            actor=world.clerk,
        )


def test_an_xlsx_result_file_with_amounts_is_checked_against_the_roster(world, locked):
    first, second = locked.lines.filter(channel="bank").order_by("line_no")
    book = Workbook()
    sheet = book.active
    sheet.append(["明细编号", "金额", "结果", "失败原因"])
    sheet.append([first.line_id, "abc", "成功", None])
    sheet.append([second.line_id, -420.5, "成功", None])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_import_results(
            run=locked, filename="result.xlsx", data=buffer.getvalue(), actor=world.clerk
        )
    assert exc.value.messages == [
        "第2行：金额“abc”不是数字",
        "第3行：金额 -420.5 与花名册金额 420.50 不一致",
    ]


def test_reconciliation_due_equals_paid_plus_failed_plus_pending(world, locked):
    world.recipient(confirmed_on=d(2026, 9, 3), amount="100")  # not in September's roster
    first = locked.lines.filter(channel="bank").order_by("line_no").first()
    services.roster_import_results(
        run=locked,
        filename="a.csv",
        data=result_csv([[first.line_id, "成功", ""]]),
        actor=world.clerk,
    )
    locked.refresh_from_db()
    rec = reconciliation(locked)
    assert rec["due"] == Decimal("920.50")
    assert (rec["paid"], rec["failed"], rec["pending"]) == (
        Decimal("500.00"),
        Decimal("0.00"),
        Decimal("420.50"),
    )
    assert rec["paid"] + rec["failed"] + rec["pending"] == rec["due"]
    assert rec["balanced"]
    assert rec["held"] == Decimal("300.00") and rec["missing_accounts"] == 1


def test_a_result_file_over_the_import_limits_is_refused_before_it_is_read(world, locked, settings):
    """The bank's result file is an import like the others: size cap, XLSX uncompressed-size
    cap (zip bomb) and row cap, all settings (relief.uploadlimits)."""
    import zipfile

    line = locked.lines.filter(channel="bank").first()
    settings.IMPORT_MAX_MB = 1
    big = result_csv([[line.line_id, "成功", "x" * (1024 * 1024)]])
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_import_results(run=locked, filename="r.csv", data=big, actor=world.clerk)
    assert "导入大小限制" in exc.value.messages[0]
    settings.IMPORT_MAX_MB, settings.IMPORT_MAX_UNCOMPRESSED_MB = 5, 2
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (3 * 1024 * 1024))
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_import_results(
            run=locked, filename="r.xlsx", data=buffer.getvalue(), actor=world.clerk
        )
    assert "疑似压缩炸弹" in exc.value.messages[0]
    settings.IMPORT_MAX_ROWS = 2
    many = result_csv([[line.line_id, "成功", ""]] * 5)
    with pytest.raises(services.RosterRefused) as exc:
        services.roster_import_results(run=locked, filename="r.csv", data=many, actor=world.clerk)
    assert "一次最多导入2行" in exc.value.messages[0]
    assert locked.result_imports.count() == 0
    assert not RosterLine.objects.exclude(result=LineResult.PENDING).exists()
