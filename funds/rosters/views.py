"""Roster pages: the list (township) and the county overview, starting a run and watching its
progress, the run's page (totals, reconciliation, lines with their "why", accounts to
complete, actions), the bank file, the result import, the printable A4 landscape PDF.
Thin: reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from archive.pdf import pdf_response
from funds.rosters import selectors, services
from funds.rosters.forms import (
    ExportForm,
    LineFilterForm,
    ResultImportForm,
    RosterListFilterForm,
    RosterStartForm,
)
from funds.rosters.models import Channel, RosterExport, RunState
from relief.exports import xlsx_bytes
from relief.forms import apply_errors, errors_at_fields
from relief.models import Job
from relief.uploadlimits import import_read_limit

PDF_LINE_LIMIT = 2000


def _require_viewer(user) -> None:
    if not selectors.may_view_rosters(user):
        raise PermissionDenied("您的角色不能查看发放花名册")


@login_required
def roster_list(request):
    """A township's rosters; for the county every township's, grouped by township."""
    _require_viewer(request.user)
    form = RosterListFilterForm(request.GET or None)
    year = timezone.localdate().year
    state = ""
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        state = form.cleaned_data["state"]
    runs = selectors.roster_runs_listed(request.user, state=state).filter(month__year=year)
    runs = runs.order_by("township__code", "-month", "assistance_type__sort_order", "-pk")
    township = (
        request.user.region if services.may_prepare(request.user, request.user.region) else None
    )
    return render(
        request,
        "funds/rosters/list.html",
        {
            "page_title": "发放花名册",
            "runs": runs,
            "form": form,
            "year": year,
            "can_start": township is not None,
            "county": request.user.is_county_level,
        },
    )


@login_required
def roster_county_export(request):
    """The county's reconciliation sheet: every visible roster of the year with its totals."""
    _require_viewer(request.user)
    year = timezone.localdate().year
    form = RosterListFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    header = [
        "乡镇(街道)",
        "月份",
        "救助类型",
        "类别",
        "状态",
        "花名册编号",
        "银行发放笔数",
        "应发合计",
        "已发放",
        "发放失败",
        "待回盘",
        "暂缓发放(待补账户)",
        "待补账户户数",
    ]
    rows = (
        [
            row["township"].name,
            f"{row['month']:%Y-%m}",
            row["type"].name,
            row["run"].get_kind_display(),
            row["state"],
            row["run"].number,
            row["run"].bank_line_count,
            row["run"].bank_amount,
            row["run"].paid_amount,
            row["run"].failed_amount,
            row["run"].pending_amount,
            row["run"].held_amount,
            row["run"].missing_account_count,
        ]
        for row in selectors.county_overview(user=request.user, year=year)
    )
    data = xlsx_bytes(sheets=[(f"{year}年花名册对账", header, rows)])
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="rosters-{year}.xlsx"'
    return response


@login_required
def roster_new(request):
    township = request.user.region
    if not services.may_prepare(request.user, township):
        raise PermissionDenied("只有乡镇(街道)民政经办人可以生成花名册")
    form = RosterStartForm(
        request.POST or None, initial={"month": timezone.localdate().replace(day=1)}
    )
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            run = services.roster_run_start(
                township=township,
                month=form.cleaned_data["month"],
                assistance_type=form.cleaned_data["assistance_type"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
            )
            return redirect("rosters:detail", pk=run.pk)
    return render(
        request,
        "funds/rosters/new.html",
        {"page_title": "生成发放花名册", "form": form, "township": township},
    )


def _detail_context(request, run) -> dict:
    line_form = LineFilterForm(request.GET or None)
    kind = result = ""
    if line_form.is_valid():
        kind, result = line_form.cleaned_data["kind"], line_form.cleaned_data["result"]
    lines = selectors.roster_lines(run, kind=kind, result=result)
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    for line in page:
        line.why = selectors.line_why(line)
    held = selectors.roster_lines(run, channel=Channel.HELD).select_related("recipient")[:200]
    user = request.user
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page_title": f"发放花名册 {run.number}",
        "run": run,
        "page_obj": page,
        "query": query.urlencode(),
        "line_form": line_form,
        "held": held,
        "rec": selectors.reconciliation(run),
        "events": run.events.select_related("actor"),
        "exports": run.exports.select_related("exported_by"),
        "imports": run.result_imports.select_related("imported_by"),
        "can_prepare": services.may_prepare(user, run.township),
        "can_lock": services.may_lock(user, run.township),
        "can_export": services.may_export(user, run.township),
        "export_form": ExportForm(),
        "import_form": ResultImportForm(),
        "states": RunState,
    }


@login_required
def roster_detail(request, pk):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    return render(request, "funds/rosters/detail.html", _detail_context(request, run))


@login_required
def roster_progress(request, pk):
    """Polled by htmx while the run is computed; reloads the page once it has finished."""
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    response = render(request, "funds/rosters/_progress.html", {"run": run, "job": run.job})
    if run.state != RunState.PREPARING:
        response["HX-Refresh"] = "true"
    return response


ACTIONS = {
    "check": (services.roster_check, "花名册已复核，请审核确认人审核锁定"),
    "lock": (services.roster_lock, "花名册已审核锁定，可以导出给银行"),
    "recompute": (services.roster_recompute, "已开始重新生成"),
}


@login_required
@require_POST
def roster_action(request, pk, action):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    if action == "discard":
        try:
            services.roster_discard(run=run, actor=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("rosters:detail", pk=run.pk)
        messages.success(request, "未锁定的花名册已作废")
        return redirect("rosters:list")
    if action not in ACTIONS:
        raise Http404("未知操作")
    service, done = ACTIONS[action]
    try:
        service(run=run, actor=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("rosters:detail", pk=run.pk)


@login_required
@require_POST
def roster_export(request, pk):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择导出格式")
        return redirect("rosters:detail", pk=run.pk)
    try:
        job = services.roster_export_start(
            run=run, fmt=form.cleaned_data["format"], actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("rosters:detail", pk=run.pk)
    return redirect("rosters:export_job", pk=run.pk, job_id=job.pk)


def _export_job(request, run, job_id) -> Job:
    return get_object_or_404(
        Job, pk=job_id, owner=request.user, kind=services.EXPORT_JOB_KIND, params__run_id=run.pk
    )


@login_required
def roster_export_job(request, pk, job_id):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    job = _export_job(request, run, job_id)
    export = _job_export(run, job)
    template = (
        "funds/rosters/_export_progress.html"
        if request.headers.get("HX-Request")
        else "funds/rosters/export_job.html"
    )
    return render(
        request,
        template,
        {"page_title": "导出花名册", "run": run, "job": job, "export": export},
    )


def _job_export(run, job) -> RosterExport | None:
    export_id = (job.params or {}).get("export_id")
    return run.exports.filter(pk=export_id).first() if export_id else None


@login_required
def roster_export_download(request, pk, export_id):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    if not services.may_export(request.user, run.township):
        raise PermissionDenied("只有本乡镇(街道)的经办人或审核人可以下载发放文件")
    export = get_object_or_404(RosterExport, pk=export_id, run=run)
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename)


@login_required
@require_POST
def roster_results(request, pk):
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    form = ResultImportForm(request.POST, request.FILES)
    context = _detail_context(request, run)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record, created = services.roster_import_results(
                run=run,
                filename=upload.name,
                data=upload.read(import_read_limit()),
                actor=request.user,
            )
        except PermissionDenied:
            raise
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                apply_errors(form, exc)
            else:
                context["import_errors"] = exc.messages
        else:
            if created:
                messages.success(
                    request,
                    f"发放结果已导入：成功{record.paid_count}笔，失败{record.failed_count}笔",
                )
            else:
                messages.info(request, "该文件此前已导入，未作任何更改")
            return redirect("rosters:detail", pk=run.pk)
    context["import_form"] = form
    return render(request, "funds/rosters/detail.html", context, status=400)


@login_required
def roster_pdf(request, pk):
    """The printable roster (A4 landscape) with the signatures block 制表 / 复核 / 审核."""
    run = selectors.roster_run_get_for_user(user=request.user, pk=pk)
    lines = list(selectors.roster_lines(run)[: PDF_LINE_LIMIT + 1])
    return pdf_response(
        "funds/rosters/roster_pdf.html",
        {
            "page_title": (
                f"{run.township.name}{run.month:%Y年%m月}{run.assistance_type.name}发放花名册"
            ),
            "run": run,
            "lines": lines[:PDF_LINE_LIMIT],
            "truncated": len(lines) > PDF_LINE_LIMIT,
            "limit": PDF_LINE_LIMIT,
            "rec": selectors.reconciliation(run),
            "printed_on": timezone.localdate(),
            "list_url": request.build_absolute_uri(reverse("rosters:detail", args=[run.pk])),
        },
        request=request,
        filename=f"{run.number}.pdf",
    )
