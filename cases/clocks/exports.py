"""The statistics workbook (XLSX) of the clocks' dashboard, built in a background job."""

from __future__ import annotations

from django.utils import timezone

from cases.clocks.selectors import (
    monthly_throughput,
    open_cases_by_stage,
    township_statistics,
)
from relief.exports import xlsx_bytes
from relief.jobs import job_finish, job_progress
from relief.models import Job


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def build_statistics_workbook(*, user, year: int, progress=None) -> bytes:
    """The dashboard's figures as an XLSX workbook, reporting progress 0–100. Written by
    relief.exports, which escapes every text cell: a township named like a formula stays
    text in the clerk's spreadsheet."""
    progress = progress or (lambda pct, msg: None)

    progress(10, "统计按时办结率")
    by_township = [
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
        ],
        *(
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
            for r in township_statistics(user=user, year=year)
        ),
    ]

    progress(45, "统计在办案件")
    stage_data = open_cases_by_stage(user=user)
    stage_header = [
        "乡镇(街道)",
        *[label for _, label in stage_data["stages"]],
        "合计",
        *[f"受理{a}" for a in stage_data["ages"]],
    ]
    stage_rows = [
        [r["township"].name, *r["stages"], r["total"], *r["ages"]] for r in stage_data["rows"]
    ]

    progress(75, "统计月度办结量")
    throughput = monthly_throughput(user=user)
    month_rows = [
        [month, throughput["accepted"][i], throughput["decided"][i], throughput["late"][i]]
        for i, month in enumerate(throughput["months"])
    ]

    progress(90, "生成文件")
    return xlsx_bytes(
        sheets=[
            ("按乡镇统计", [f"{year} 年各乡镇(街道)办理时限统计（工作日）"], by_township),
            ("在办案件", stage_header, stage_rows),
            ("月度受理与办结", ["月份", "受理", "办结", "其中超期办结"], month_rows),
        ]
    )


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
