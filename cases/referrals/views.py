"""Referral pages (namespace ``cases``): the township's list of referrals with their age,
the referral and answer forms, the administrator's contact list. Every page asks the
services and selectors; another township's referral answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from cases.referrals import selectors, services
from cases.referrals.forms import AnswerForm, DepartmentForm, ReferralForm
from cases.workflow.selectors import case_get_for_user
from relief.forms import apply_errors
from relief.http import client_address_of
from relief.models import Role, User

LIST_ROLES = (
    Role.TOWNSHIP_CLERK,
    Role.TOWNSHIP_APPROVER,
    Role.COUNTY_SUPERVISOR,
    Role.DEPARTMENT_OFFICER,
)


def _require(user, roles, message="您的角色无权办理转办") -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(message)


@login_required
def referral_list(request):
    _require(request.user, LIST_ROLES)
    show_all = request.GET.get("all") == "1"
    rows = list(selectors.referral_list_for_user(user=request.user, open_only=not show_all)[:300])
    today = timezone.localdate()
    return render(
        request,
        "cases/referrals/list.html",
        {
            "page_title": "转办（一门受理、协同办理）",
            "rows": [{"referral": r, "age": r.age_days(today)} for r in rows],
            "show_all": show_all,
            "department_user": selectors.is_department_user(request.user),
        },
    )


@login_required
def referral_new(request, pk):
    _require(request.user, services.REFER_ROLES)
    case = case_get_for_user(user=request.user, pk=pk)
    county = case.township.parent
    kinds = services.need_kinds(services.policy_for_county(county))
    departments = selectors.departments_for_user(user=request.user, active_only=True)
    form = ReferralForm(request.POST or None, kinds=kinds, departments=departments)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.referral_create(
                    case=case,
                    actor=request.user,
                    client_address=client_address_of(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "已转办")
                return redirect(reverse("cases:detail", args=[case.pk]) + "#referrals")
    return render(
        request,
        "cases/referrals/new.html",
        {"page_title": f"转办 {case.number}", "case": case, "form": form},
        status=status,
    )


@login_required
def referral_answer(request, pk):
    _require(request.user, services.ANSWER_ROLES)
    referral = selectors.referral_get_for_user(user=request.user, pk=pk)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.referral_answer(
                    referral=referral,
                    actor=request.user,
                    client_address=client_address_of(request),
                    **form.cleaned_data,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "已登记部门答复")
                if selectors.is_department_user(request.user):
                    return redirect("cases:referral_list")
                return redirect(reverse("cases:detail", args=[referral.case_id]) + "#referrals")
    return render(
        request,
        "cases/referrals/answer.html",
        {
            "page_title": "登记部门答复",
            "referral": referral,
            "form": form,
            "department_user": selectors.is_department_user(request.user),
        },
        status=status,
    )


def _departments_page(request, form, *, editing=None, status=200):
    return render(
        request,
        "cases/referrals/departments.html",
        {
            "page_title": "转办部门",
            "departments": selectors.departments_for_user(user=request.user),
            "form": form,
            "editing": editing,
        },
        status=status,
    )


@login_required
def department_list(request, pk=None):
    _require(request.user, (Role.ADMINISTRATOR,), "只有系统管理员可以维护转办部门")
    editing = (
        get_object_or_404(selectors.departments_for_user(user=request.user), pk=pk)
        if pk is not None
        else None
    )
    kinds = services.need_kinds(services.policy_for_county(services.county_of(request.user)))
    initial = (
        {
            "name": editing.name,
            "need_kind": editing.need_kind,
            "contact_person": editing.contact_person,
            "phone": editing.phone,
            "active": editing.active,
        }
        if editing
        else {"active": True}
    )
    if editing:
        initial["members"] = list(editing.members.values_list("pk", flat=True))
    county = services.county_of(request.user)
    officers = User.objects.filter(
        role=Role.DEPARTMENT_OFFICER, region=county, is_active=True
    ).order_by("username")
    form = DepartmentForm(request.POST or None, kinds=kinds, initial=initial, officers=officers)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.department_save(
                    actor=request.user, data=form.cleaned_data, department=editing
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, "已保存转办部门")
                return redirect("cases:referral_departments")
        return _departments_page(request, form, editing=editing, status=400)
    return _departments_page(request, form, editing=editing)
