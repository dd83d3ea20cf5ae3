"""The statistics workbook (XLSX) of the clocks' dashboard, built in a background job."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cases.clocks.selectors import (
    monthly_throughput,
    open_cases_by_stage,
    township_statistics,
)
from relief.jobs import job_finish, job_progress
from relief.models import Job


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def build_statistics_workbook(*, user, year: int, progress=None) -> bytes:
    """The dashboard's figures as an XLSX workbook (openpyxl), reporting progress 0–100."""
    progress = progress or (lambda pct, msg: None)
    bold = Font(bold=True)
    wb = Workbook()

    progress(10, "统计按时办结率")
    ws = wb.active
    ws.title = "按乡镇统计"
    ws.append([f"{year} 年各乡镇(街道)办理时限统计（工作日）"])
    ws.append(
        [
            "乡镇(街道)",
            "办结数",
            "按时办结数",
            "按时办结率",
            "受理至决定中位数",
            "受理至决定第90百分位",
            "在办",
            "超期",
            "临期",
            "公示暂停",
        ]
    )
    for cell in ws[2]:
        cell.font = bold
    for r in township_statistics(user=user, year=year):
        ws.append(
            [
                r["township"].name,
                r["decided"],
                r["on_time"],
                _pct(r["on_time_rate"]),
                r["median_wd"],
                r["p90_wd"],
                r["open"],
                r["overdue"],
                r["due_soon"],
                r["paused"],
            ]
        )
    ws["A1"].font = Font(bold=True, size=13)

    progress(45, "统计在办案件")
    stage_data = open_cases_by_stage(user=user)
    ws2 = wb.create_sheet("在办案件")
    ws2.append(
        [
            "乡镇(街道)",
            *[label for _, label in stage_data["stages"]],
            "合计",
            *[f"受理{a}" for a in stage_data["ages"]],
        ]
    )
    for cell in ws2[1]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True)
    for r in stage_data["rows"]:
        ws2.append([r["township"].name, *r["stages"], r["total"], *r["ages"]])

    progress(75, "统计月度办结量")
    throughput = monthly_throughput(user=user)
    ws3 = wb.create_sheet("月度受理与办结")
    ws3.append(["月份", "受理", "办结", "其中超期办结"])
    for cell in ws3[1]:
        cell.font = bold
    for i, month in enumerate(throughput["months"]):
        ws3.append(
            [month, throughput["accepted"][i], throughput["decided"][i], throughput["late"][i]]
        )

    for sheet in wb.worksheets:
        sheet.column_dimensions["A"].width = 16
    progress(90, "生成文件")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_statistics_job(job_id: int) -> None:
    """Body of the export task: builds the workbook for the job's owner and attaches it."""
    job = Job.objects.select_related("owner", "owner__region").get(pk=job_id)
    if job.status == Job.Status.DONE:
        return  # safe to run twice
    year = int(job.params.get("year") or timezone.localdate().year)
    job_progress(job_id, 5, "开始导出")
    content = build_statistics_workbook(
        user=job.owner, year=year, progress=lambda pct, msg: job_progress(job_id, pct, msg)
    )
    job_finish(job_id, content=content, filename=f"办理时限统计-{year}.xlsx", message="导出完成")
