"""Pages of the clocks: a case's clock with the extension form, the deadline dashboard, the
statistics export as a background job with a progress bar, and failed tasks for
administrators. Thin views: reads through selectors, writes through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.clocks.selectors import monthly_throughput, open_cases_by_stage, township_statistics
from cases.clocks.services import EXTEND_ROLES, clock_extend, clock_refusal_notice_served
from cases.clocks.tasks import export_statistics
from cases.models import CaseClock, CaseEvent, StepKind
from cases.notices.selectors import notice_counts_by_township
from cases.workflow.selectors import case_get_for_user
from relief.http import client_address_of
from relief.jobs import job_start
from relief.models import Job, Role

DASHBOARD_ROLES = (
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
    Role.COUNTY_VERIFIER,
    Role.ADMINISTRATOR,
)
EXPORT_KIND = "statistics_export"


def _require_roles(user, roles) -> None:
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied("您的角色无权查看此页面")


def _clock_context(request, case, *, errors=None, form_values=None):
    clock = CaseClock.objects.filter(case=case).first()
    events = CaseEvent.objects.filter(
        case=case, transition__in=["extend_deadline", "serve_refusal_notice"]
    ).order_by("created_at")
    user = request.user
    return {
        "page_title": f"办理时限 · {case.number}",
        "case": case,
        "clock": clock,
        "events": events,
        "today": timezone.localdate(),
        "can_extend": bool(
            clock and clock.running and clock.can_extend_by and user.has_role(*EXTEND_ROLES)
        ),
        "can_serve": bool(
            clock
            and clock.step_kind == StepKind.REFUSAL_NOTICE
            and user.has_role(Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)
        ),
        "errors": errors or {},
        "general_errors": (errors or {}).get("__all__", []),
        "form": form_values or {},
    }


@login_required
def clock_detail(request, pk):
    case = case_get_for_user(user=request.user, pk=pk)
    return render(request, "cases/dashboard_clock.html", _clock_context(request, case))


@login_required
@require_POST
def clock_extend_view(request, pk):
    case = case_get_for_user(user=request.user, pk=pk)
    values = {
        "extra_wd": request.POST.get("extra_wd", ""),
        "reason": request.POST.get("reason", ""),
    }
    try:
        clock = clock_extend(
            case=case,
            actor=request.user,
            extra_wd=values["extra_wd"],
            reason=values["reason"],
            client_address=client_address_of(request),
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return render(
            request,
            "cases/dashboard_clock.html",
            _clock_context(request, case, errors=errors, form_values=values),
            status=400,
        )
    messages.success(request, f"已延长办理时限至 {clock.overall_due:%Y-%m-%d}")
    return redirect("cases:clock", pk=case.pk)


@login_required
@require_POST
def clock_serve_view(request, pk):
    case = case_get_for_user(user=request.user, pk=pk)
    try:
        clock_refusal_notice_served(
            case=case, actor=request.user, client_address=client_address_of(request)
        )
    except ValidationError as exc:
        return render(
            request,
            "cases/dashboard_clock.html",
            _clock_context(request, case, errors={"__all__": exc.messages}),
            status=400,
        )
    messages.success(request, "已登记不予确认通知书送达")
    return redirect("cases:clock", pk=case.pk)


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@login_required
def dashboard(request):
    """County (or township) deadline dashboard: per township on-time rate, median and 90th
    percentile working days, open cases by stage and age, monthly throughput chart."""
    _require_roles(request.user, DASHBOARD_ROLES)
    year = _year(request)
    this_year = timezone.localdate().year
    context = {
        "page_title": "办理时限看板",
        "year": year,
        "years": list(range(this_year, this_year - 5, -1)),
        "rows": township_statistics(user=request.user, year=year),
        "stages": open_cases_by_stage(user=request.user),
        "throughput": monthly_throughput(user=request.user),
    }
    context["notices"] = notice_counts_by_township(
        user=request.user, townships=[r["township"] for r in context["rows"]]
    )
    return render(request, "cases/dashboard.html", context)


@login_required
@require_POST
def dashboard_export(request):
    _require_roles(request.user, DASHBOARD_ROLES)

    job = job_start(
        kind=EXPORT_KIND,
        owner=request.user,
        task=export_statistics,
        params={"year": _year(request)},
    )
    return redirect("cases:job", pk=job.pk)


def _job_for_owner(request, pk) -> Job:
    """A user sees only their own jobs (404 otherwise, like any object outside their scope)."""
    return get_object_or_404(Job, pk=pk, owner=request.user)


@login_required
def job_detail(request, pk):
    job = _job_for_owner(request, pk)
    return render(request, "cases/dashboard_job.html", {"page_title": "后台任务", "job": job})


@login_required
def job_progress(request, pk):
    """The htmx fragment the job page polls every second until the job has finished."""
    job = _job_for_owner(request, pk)
    return render(request, "cases/dashboard_job_progress.html", {"job": job})


@login_required
def job_download(request, pk):
    job = _job_for_owner(request, pk)
    if job.status != Job.Status.DONE or not job.result_file:
        raise Http404("文件尚未生成")
    return FileResponse(
        job.result_file.open("rb"), as_attachment=True, filename=job.result_name or None
    )


@login_required
def failed_tasks(request):
    """Tasks that failed for good (after their retries), for administrators."""
    if not request.user.is_administrator:
        raise PermissionDenied("仅系统管理员可查看")
    jobs = Job.objects.filter(status=Job.Status.FAILED).select_related("owner")[:200]
    return render(
        request, "cases/dashboard_failed_tasks.html", {"page_title": "失败的后台任务", "jobs": jobs}
    )
