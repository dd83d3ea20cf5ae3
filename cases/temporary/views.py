"""Emergency pages (namespace ``cases``): the phone-friendly entry, the township's list with
the two clocks, the grant form and the identity form. Every page asks the services and
selectors; another township's emergency answers 404 (region scoping)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.temporary import selectors, services
from cases.temporary.forms import EmergencyForm, GrantForm, IdentifyForm, TemporaryAmountForm
from cases.temporary.stats import statistics_lines, temporary_statistics
from cases.temporary.yearly import year_figures
from cases.workflow.selectors import case_get_for_user
from relief.exports import xlsx_bytes
from relief.forms import apply_errors
from relief.http import client_address_of
from relief.models import Role
from relief.policy import KEY_BY_NAME, policy_for
from relief.scoping import townships_for_user

LIST_ROLES = (
    Role.VILLAGE_ASSISTANT,
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
)


def _require(user, roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied("您的角色无权办理急难型临时救助")


@login_required
def emergency_new(request):
    _require(request.user, services.REGISTER_ROLES)
    user = request.user
    policy = services.policy_for_user(user)
    causes = services.emergency_causes(policy)
    form = EmergencyForm(request.POST or None, user=user, causes=causes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.emergency_register(
                actor=user,
                village=data["village"],
                person_name=data["person_name"],
                id_number=data["id_number"],
                identity_pending=data["identity_pending"],
                identity_note=data["identity_note"],
                cause=data["cause"],
                needs=data["needs"],
                address=data["address"],
                hukou_type=data["hukou_type"],
                phone=data["phone"],
                client_address=client_address_of(request),
            )
        except services.ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"已登记急难救助 {case.number}，请在时限内先行救助")
            return redirect("cases:emergency_detail", pk=case.pk)
    return render(
        request,
        "cases/temporary/new.html",
        {"page_title": "急难救助登记", "form": form, "help_hours": policy.emergency_help_hours},
    )


@login_required
def emergency_list(request):
    _require(request.user, LIST_ROLES)
    show_all = request.GET.get("all") == "1"
    rows = list(selectors.emergency_list_for_user(user=request.user, open_only=not show_all)[:200])
    now = timezone.now()
    clocks = [getattr(e.case, "clock", None) for e in rows]
    left = selectors.file_workdays_left(clocks)
    return render(
        request,
        "cases/temporary/list.html",
        {
            "page_title": "急难救助",
            "rows": [
                {
                    "emergency": e,
                    "clock": clock,
                    "hours_left": selectors.hours_left(clock, now),
                    "workdays_left": left.get(clock.step_due) if clock and clock.step_due else None,
                }
                for e, clock in zip(rows, clocks, strict=True)
            ],
            "show_all": show_all,
            "may_register": request.user.has_role(*services.REGISTER_ROLES),
        },
    )


def _detail_context(request, emergency, *, grant_form=None, identify_form=None) -> dict:
    bodies = services.bodies_for(request.user)
    summary = selectors.emergency_summary(emergency)
    return {
        "page_title": f"急难救助 {emergency.case.number}",
        **summary,
        "hours_left": selectors.hours_left(summary["clock"]),
        "grant_form": grant_form or (GrantForm(bodies=bodies) if bodies else None),
        "identify_form": identify_form
        or (
            IdentifyForm()
            if emergency.identity_pending
            and request.user.has_role(Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT)
            else None
        ),
    }


@login_required
def emergency_detail(request, pk):
    _require(request.user, LIST_ROLES)
    emergency = selectors.emergency_get_for_user(user=request.user, pk=pk)
    return render(request, "cases/temporary/detail.html", _detail_context(request, emergency))


@login_required
def emergency_grant(request, pk):
    _require(request.user, services.GRANT_ROLES)
    emergency = selectors.emergency_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("cases:emergency_detail", pk=pk)
    form = GrantForm(request.POST, bodies=services.bodies_for(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.emergency_grant_create(
                case=emergency.case,
                actor=request.user,
                body=data["body"],
                kind=data["kind"],
                description=data["description"],
                amount=data["amount"],
                client_address=client_address_of(request),
            )
        except services.ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"已登记先行救助：{grant.get_body_display()}{grant.get_kind_display()}"
                f"{grant.amount}元",
            )
            return redirect("cases:emergency_detail", pk=pk)
    return render(
        request,
        "cases/temporary/detail.html",
        _detail_context(request, emergency, grant_form=form),
        status=400,
    )


@login_required
def emergency_identify(request, pk):
    _require(request.user, (Role.TOWNSHIP_CLERK, Role.VILLAGE_ASSISTANT))
    emergency = selectors.emergency_get_for_user(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("cases:emergency_detail", pk=pk)
    form = IdentifyForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_identify(
                case=emergency.case,
                actor=request.user,
                id_number=form.cleaned_data["id_number"],
                client_address=client_address_of(request),
            )
        except services.ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, "已核实当事人身份")
            return redirect("cases:emergency_detail", pk=pk)
    return render(
        request,
        "cases/temporary/detail.html",
        _detail_context(request, emergency, identify_form=form),
        status=400,
    )


@login_required
def temporary_amount(request, pk):
    """支出型临时救助: the amount by the county's rule, with its explanation on the case page."""
    _require(request.user, services.AMOUNT_ROLES)
    case = case_get_for_user(user=request.user, pk=pk)
    policy = policy_for(case.township, timezone.localdate())
    rule = str(policy.temp_amount_rule)
    form = TemporaryAmountForm(request.POST or None, rule=rule)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                computation = services.temporary_amount_compute(
                    case=case,
                    actor=request.user,
                    severity=data.get("severity", ""),
                    expenditure=data.get("expenditure"),
                    other_aid=data.get("other_aid"),
                    note=data.get("note", ""),
                    client_address=client_address_of(request),
                )
            except services.ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, f"已核定临时救助金额 {computation.monthly_amount} 元")
                return redirect(reverse("cases:detail", args=[case.pk]) + "#computation")
    return render(
        request,
        "cases/temporary/amount.html",
        {
            "page_title": f"核定临时救助金额 {case.number}",
            "case": case,
            "form": form,
            "rule_label": dict(KEY_BY_NAME["temp_amount_rule"].choices).get(rule, rule),
            "policy": policy,
            "year": year_figures(case, year=timezone.localdate().year),
        },
        status=status,
    )


STATS_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER, Role.COUNTY_SUPERVISOR)


def stats_year(raw) -> int:
    """The ``year`` parameter (this year by default; a bad value falls back to it)."""
    this_year = timezone.localdate().year
    try:
        year = int(str(raw))
    except (TypeError, ValueError):
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


@login_required
def temporary_stats(request):
    """临时救助 statistics: the county's every township, a township its own."""
    _require(request.user, STATS_ROLES)
    year = stats_year(request.GET.get("year"))
    rows = temporary_statistics(townships=townships_for_user(request.user), year=year)
    if request.GET.get("format") == "xlsx":
        summary = [
            [
                r["township"].name,
                r["total"]["count"],
                r["total"]["amount"],
                r["helped"],
                r["median_help_hours"],
            ]
            for r in rows
        ]
        data = xlsx_bytes(
            sheets=[
                (
                    "汇总",
                    [
                        "乡镇(街道)",
                        "救助件数",
                        "救助金额(元)",
                        "先行救助件数",
                        "先行救助中位小时数",
                    ],
                    summary,
                ),
                (
                    "明细",
                    ["乡镇(街道)", "维度", "项目", "件数", "金额(元)"],
                    statistics_lines(rows),
                ),
            ]
        )
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="temporary-stats-{year}.xlsx"'
        return response
    return render(
        request,
        "cases/temporary/stats.html",
        {"page_title": f"临时救助统计 {year}年", "rows": rows, "year": year},
    )
