"""The export writer escapes formula-like text and keeps numbers as numbers."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from relief.exports import csv_bytes, escape_cell, xlsx_bytes


def test_text_that_looks_like_a_formula_is_escaped():
    for value in ('=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(value) == "'" + value
    assert escape_cell("姑孰镇") == "姑孰镇"


def test_numbers_dates_and_none_are_kept():
    assert escape_cell(Decimal("-12.50")) == Decimal("-12.50")
    assert escape_cell(-3) == -3
    assert escape_cell(None) is None


def test_xlsx_cells_read_back_as_text_and_numbers():
    data = xlsx_bytes(
        sheets=[("统计", ["乡镇", "金额"], [['=HYPERLINK("x")', Decimal("-1.50")], ["姑孰镇", 3]])]
    )
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("乡镇", "金额")
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert rows[1][1] == -1.5
    assert sheet.cell(row=2, column=1).data_type == "s"


def test_csv_has_a_bom_and_escapes():
    data = csv_bytes(header=["姓名", "金额"], rows=[["@x", Decimal("5.00")]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["姓名", "金额"], ["'@x", "5.00"]]
