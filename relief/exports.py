"""The one writer for spreadsheet exports (XLSX and CSV).

Every export of the project goes through here so that a value typed by a user can never run as
a formula when a clerk opens the file (OWASP "CSV injection"): a text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading apostrophe,
which spreadsheets show as text. Numbers (``int``, ``Decimal``, ``float``), dates and ``None``
are written as they are, so negative amounts stay numbers.

CSV is UTF-8 with a BOM (Excel on Chinese Windows reads it as UTF-8 only with the BOM).
Both writers take an iterable of rows and write as they go, so a large export does not build
the whole file in memory (openpyxl's write-only mode for XLSX).
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = Any


def escape_cell(value: Cell) -> Cell:
    """A cell value that no spreadsheet evaluates: text starting like a formula gets a ``'``."""
    if value is None or isinstance(value, bool | int | float | Decimal | datetime.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def escape_row(row: Iterable[Cell]) -> list[Cell]:
    return [escape_cell(value) for value in row]


def write_csv(
    stream: IO[str], *, header: Sequence[str], rows: Iterable[Sequence[Cell]], bom: bool = True
) -> int:
    """Write a CSV (UTF-8 BOM first when ``bom``) to a text stream; returns the row count."""
    if bom:
        stream.write("\ufeff")
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(escape_row(header))
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else v for v in escape_row(row)])
        count += 1
    return count


def write_xlsx(
    target: str | IO[bytes],
    *,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]],
    bold_header: bool = True,
) -> None:
    """Write an XLSX workbook (write-only, streamed) with one sheet per ``(title, header, rows)``.

    ``target`` is a path or a binary stream. Sheet titles are escaped like cells and cut to
    Excel's 31 characters.
    """

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=str(escape_cell(title)).lstrip("'")[:31] or "Sheet")
        header_cells = []
        for value in escape_row(header):
            cell = WriteOnlyCell(sheet, value=value)
            if bold_header:
                cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append(escape_row(row))
    workbook.save(target)


def xlsx_bytes(*, sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Cell]]]]) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(buffer, sheets=sheets)
    return buffer.getvalue()


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    buffer = io.StringIO()
    write_csv(buffer, header=header, rows=rows)
    return buffer.getvalue().encode("utf-8")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: str, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
