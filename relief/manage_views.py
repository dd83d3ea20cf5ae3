"""Administration pages under /manage/: region tree, users, delegations, policy
settings, working-day calendar, assistance types, and the change history of each.

Thin views: reads through relief/selectors.py (404 outside the user's county), writes
through the services, role checked on the server for every view.
"""

from __future__ import annotations

import datetime
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from relief import selectors, services
from relief.delegation import (
    delegation_change_status,
    delegation_create,
    holds_power_map,
    power_from_map,
    status_on,
)
from relief.forms import (
    AssistanceTypeForm,
    DelegationForm,
    DelegationStatusForm,
    PasswordResetForm,
    PolicySetForm,
    RegionCreateForm,
    RegionEditForm,
    UserFilterForm,
    UserForm,
    WorkdayOverrideForm,
    errors_at_fields,
)
from relief.masking import mask_id_number
from relief.models import (
    AssistanceType,
    Delegation,
    PolicySetting,
    Region,
    Role,
    User,
    WorkdayOverride,
    today,
)
from relief.policy import KEY_BY_NAME, KEYS, policy_for, policy_set
from relief.scoping import townships_for_user
from relief.tokens import token_expires_at, token_for, token_is_expired
from relief.workdays import month_days, package_years, year_confirmed


def roles_required(*roles: str):
    """Login required, then one of ``roles`` (superusers count as administrators); 403 otherwise."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not (user.has_role(*roles) or (user.is_superuser and Role.ADMINISTRATOR in roles)):
                raise PermissionDenied("您没有访问此页面的权限")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = roles_required(Role.ADMINISTRATOR)
supervision_required = roles_required(Role.ADMINISTRATOR, Role.COUNTY_SUPERVISOR)


# --- Regions ----------------------------------------------------------------------------


@admin_required
def regions(request):
    tree = selectors.region_tree_for_user(user=request.user)
    return render(request, "manage/regions.html", {"page_title": "行政区划", "tree": tree})


def _parent_choices(user):
    return selectors.region_list_for_user(user=user).filter(
        level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP], active=True
    )


@admin_required
def region_create(request):
    initial = {}
    parent_pk = request.GET.get("parent")
    if parent_pk:
        parent = selectors.region_get_for_user(user=request.user, pk=parent_pk)
        initial = {
            "parent": parent.pk,
            "level": Region.Level.TOWNSHIP
            if parent.level == Region.Level.COUNTY
            else Region.Level.VILLAGE,
        }
    form = RegionCreateForm(
        request.POST or None, initial=initial, parents=_parent_choices(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with errors_at_fields(form):
            region = services.region_create(
                actor=request.user,
                code=d["code"],
                name=d["name"],
                level=d["level"],
                parent=d["parent"],
            )
            messages.success(request, f"已新建{region.get_level_display()}“{region.name}”")
            return redirect("manage:regions")
    return render(
        request,
        "manage/form.html",
        {"page_title": "新建区划", "form": form, "back": reverse("manage:regions")},
    )


@admin_required
def region_edit(request, pk):
    region = selectors.region_get_for_user(user=request.user, pk=pk)
    form = RegionEditForm(request.POST or None, initial={"code": region.code, "name": region.name})
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            services.region_update(actor=request.user, region=region, **form.cleaned_data)
            messages.success(request, f"已保存“{region.name}”")
            return redirect("manage:regions")
    return render(
        request,
        "manage/form.html",
        {
            "page_title": f"修改区划：{region.full_name}",
            "form": form,
            "back": reverse("manage:regions"),
            "history_url": reverse("manage:history", args=["region", region.pk]),
        },
    )


@admin_required
@require_POST
def region_set_active(request, pk):
    region = selectors.region_get_for_user(user=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.region_set_active(actor=request.user, region=region, active=active)
    except ValidationError as e:
        messages.error(request, f"“{region.name}”：{'；'.join(e.messages)}")
    else:
        messages.success(request, f"已{'启用' if active else '停用'}“{region.name}”")
    return redirect("manage:regions")


# --- Users ------------------------------------------------------------------------------


@admin_required
def users(request):
    regions = selectors.region_list_for_user(user=request.user)
    f = UserFilterForm(request.GET or None, regions=regions)
    qs = selectors.user_list_for_user(user=request.user)
    if f.is_valid():
        d = f.cleaned_data
        if d.get("q"):
            qs = qs.filter(Q(username__icontains=d["q"]) | Q(full_name__icontains=d["q"]))
        if d.get("role"):
            qs = qs.filter(Q(role=d["role"]) | Q(extra_role=d["role"]))
        if d.get("region"):
            r = d["region"]
            qs = qs.filter(Q(region=r) | Q(region__parent=r) | Q(region__parent__parent=r))
        if d.get("active") in ("0", "1"):
            qs = qs.filter(is_active=d["active"] == "1")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "manage/users.html",
        {"page_title": "用户管理", "filter": f, "page_obj": page, "query": query.urlencode()},
    )


def _user_regions(user):
    return selectors.region_list_for_user(user=user).filter(active=True)


@admin_required
def user_create(request):
    form = UserForm(request.POST or None, regions=_user_regions(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with errors_at_fields(form):
            new = services.user_create(
                actor=request.user,
                username=d["username"],
                full_name=d["full_name"],
                role=d["role"],
                extra_role=d["extra_role"],
                region=d["region"],
                phone=d["phone"],
                id_number=d["id_number"],
                password=d["password"],
            )
            messages.success(request, f"已新建用户“{new.username}”")
            return redirect("manage:user_edit", pk=new.pk)
    return render(
        request,
        "manage/form.html",
        {"page_title": "新建用户", "form": form, "back": reverse("manage:users")},
    )


@admin_required
def user_edit(request, pk):
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    initial = {
        "username": target.username,
        "full_name": target.full_name,
        "phone": target.phone,
        "role": target.role,
        "extra_role": target.extra_role,
        "region": target.region_id,
    }
    form = UserForm(
        request.POST or None,
        initial=initial,
        regions=_user_regions(request.user),
        editing=True,
        current_id_number=target.id_number,  # shown masked only (relief.masking)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with errors_at_fields(form):
            services.user_update(
                actor=request.user,
                user=target,
                full_name=d["full_name"],
                role=d["role"],
                extra_role=d["extra_role"],
                region=d["region"],
                phone=d["phone"],
                id_number=form.id_number_to_save(),
            )
            messages.success(request, f"已保存用户“{target.username}”")
            return redirect("manage:users")
    token = token_for(target)
    return render(
        request,
        "manage/user_edit.html",
        {
            "page_title": f"用户：{target.username}",
            "target": target,
            "form": form,
            "password_form": PasswordResetForm(),
            "has_token": token is not None,
            "token_expires_at": token_expires_at(token) if token else None,
            "token_expired": token is not None and token_is_expired(token),
        },
    )


@admin_required
def user_password(request, pk):
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            services.user_set_password(
                actor=request.user, user=target, password=form.cleaned_data["password"]
            )
            messages.success(request, f"已重置“{target.username}”的密码")
            return redirect("manage:user_edit", pk=target.pk)
    return render(
        request,
        "manage/form.html",
        {
            "page_title": f"重置密码：{target.username}",
            "form": form,
            "back": reverse("manage:user_edit", args=[target.pk]),
        },
    )


@admin_required
@require_POST
def user_set_active(request, pk):
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=request.user, user=target, active=active)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.success(request, f"已{'启用' if active else '停用'}用户“{target.username}”")
    return redirect("manage:user_edit", pk=target.pk)


@admin_required
@require_POST
def user_token(request, pk):
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    try:
        key = services.user_issue_token(actor=request.user, user=target)
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
    else:
        messages.warning(
            request, f"已为“{target.username}”签发新的接口令牌（仅显示这一次，请妥善保存）：{key}"
        )
    return redirect("manage:user_edit", pk=target.pk)


@admin_required
@require_POST
def user_token_revoke(request, pk):
    target = selectors.user_get_for_user(user=request.user, pk=pk)
    if services.user_revoke_token(actor=request.user, user=target):
        messages.success(request, f"已撤销“{target.username}”的接口令牌，立即失效")
    else:
        messages.info(request, f"“{target.username}”没有接口令牌")
    return redirect("manage:user_edit", pk=target.pk)


# --- Delegations ------------------------------------------------------------------------


@supervision_required
def delegations(request):
    """Township × assistance type: does the township hold the power today (holds_power rule)."""
    on = today()
    townships = list(townships_for_user(request.user).filter(active=True).order_by("code"))
    types = list(AssistanceType.objects.filter(active=True))
    deciding = holds_power_map(townships, types, on)
    rows = []
    for t in townships:
        cells = []
        for a in types:
            d = deciding[(t.pk, a.pk)]
            status = status_on(d, on) if d else None
            cells.append(
                {
                    "type": a,
                    "delegation": d,
                    "holds": power_from_map(d, on),
                    "status_label": Delegation.Status(status).label if status else "",
                }
            )
        rows.append({"township": t, "cells": cells, "n_holds": sum(c["holds"] for c in cells)})
    recent = selectors.delegation_events_for_user(user=request.user).order_by("-created_at")[:10]
    return render(
        request,
        "manage/delegations.html",
        {"page_title": "审核确认权委托", "rows": rows, "types": types, "on": on, "recent": recent},
    )


@supervision_required
def delegation_list(request):
    qs = selectors.delegation_list_for_user(user=request.user).order_by(
        "township__code", "assistance_type__sort_order", "-effective_from"
    )
    township = request.GET.get("township")
    if township:
        qs = qs.filter(township__code=township)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "manage/delegation_list.html", {"page_title": "委托书列表", "page_obj": page}
    )


@admin_required
def delegation_create_view(request):
    townships = townships_for_user(request.user).filter(active=True).order_by("code")
    initial = {"effective_from": today(), "document_date": today()}
    if request.GET.get("township"):
        t = townships.filter(code=request.GET["township"]).first()
        if t:
            initial["township"] = t.pk
    if request.GET.get("type"):
        a = AssistanceType.objects.filter(code=request.GET["type"]).first()
        if a:
            initial["assistance_type"] = a.pk
    form = DelegationForm(request.POST or None, initial=initial, townships=townships)
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            d = delegation_create(actor=request.user, **form.cleaned_data)
            messages.success(request, f"已登记委托：{d}")
            return redirect("manage:delegation_detail", pk=d.pk)
    return render(
        request,
        "manage/form.html",
        {"page_title": "登记审核确认权委托", "form": form, "back": reverse("manage:delegations")},
    )


@supervision_required
def delegation_detail(request, pk):
    delegation = selectors.delegation_get_for_user(user=request.user, pk=pk)
    form = DelegationStatusForm(request.POST or None, initial={"effective_date": today()})
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            delegation_change_status(delegation=delegation, actor=request.user, **form.cleaned_data)
            messages.success(request, "委托状态已变更")
            return redirect("manage:delegation_detail", pk=delegation.pk)
    on = today()
    events = delegation.events.select_related("actor").order_by(
        "effective_date", "created_at", "pk"
    )
    return render(
        request,
        "manage/delegation_detail.html",
        {
            "page_title": f"委托：{delegation}",
            "delegation": delegation,
            "status_today": Delegation.Status(status_on(delegation, on)).label,
            "events": events,
            "form": form,
            "history": _history_rows(delegation),
            "on": on,
        },
    )


# --- Policy settings --------------------------------------------------------------------


@admin_required
def policies(request):
    regions = (
        selectors.policy_regions_for_user(user=request.user)
        .filter(active=True)
        .annotate(n_rows=Count("policies"))
    )
    return render(request, "manage/policies.html", {"page_title": "政策参数", "regions": regions})


@admin_required
def policy_region(request, region_pk):
    region = get_object_or_404(selectors.policy_regions_for_user(user=request.user), pk=region_pk)
    on = today()
    policy = policy_for(region, on)
    groups: dict[str, list] = {}
    for spec in KEYS:
        level = policy.levels.get(spec.key, "default")
        groups.setdefault(spec.group, []).append(
            {
                "spec": spec,
                "value": _display_value(spec, policy.values[spec.key]),
                "level": level,
                "source": {
                    "default": "默认值",
                    "county": f"县级：{policy.sources[spec.key]}",
                    "township": f"乡镇：{policy.sources[spec.key]}",
                }[level],
                "row": policy.rows.get(spec.key),
            }
        )
    # Rows of a key since removed from the registry are history only: not listed.
    upcoming = [
        {
            "label": KEY_BY_NAME[row.key].label,
            "value": _display_value(KEY_BY_NAME[row.key], row.value),
            "effective_from": row.effective_from,
        }
        for row in PolicySetting.objects.filter(
            region=region, effective_from__gt=on, key__in=KEY_BY_NAME
        ).order_by("effective_from")
    ]
    return render(
        request,
        "manage/policy_region.html",
        {
            "page_title": f"政策参数：{region.name}",
            "region": region,
            "groups": groups,
            "on": on,
            "upcoming": upcoming,
        },
    )


def _display_value(spec, value) -> str:
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "choice":
        return dict(spec.choices).get(value, str(value))
    return f"{value}{spec.unit}" if spec.unit else str(value)


@admin_required
def policy_key(request, region_pk, key):
    region = get_object_or_404(selectors.policy_regions_for_user(user=request.user), pk=region_pk)
    spec = KEY_BY_NAME.get(key)
    if spec is None:
        raise Http404("未知的政策项")
    on = today()
    current = policy_for(region, on)
    initial_value = current.values[key]
    if spec.kind == "bool":
        initial_value = "true" if initial_value else "false"
    form = PolicySetForm(
        request.POST or None, spec=spec, initial={"value": initial_value, "effective_from": on}
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with errors_at_fields(form):
            policy_set(
                region=region,
                key=key,
                raw_value=d["value"],
                effective_from=d["effective_from"],
                actor=request.user,
                note=d["note"],
            )
            messages.success(
                request, f"已设置“{spec.label}”，自 {d['effective_from']:%Y-%m-%d} 起生效"
            )
            return redirect("manage:policy_region", region_pk=region.pk)
    rows = (
        PolicySetting.objects.filter(region=region, key=key)
        .select_related("created_by")
        .order_by("-effective_from", "-created_at")
    )
    county_rows = None
    if region.level == Region.Level.TOWNSHIP and region.parent_id:
        county_rows = (
            PolicySetting.objects.filter(region_id=region.parent_id, key=key)
            .select_related("created_by")
            .order_by("-effective_from", "-created_at")
        )
    return render(
        request,
        "manage/policy_key.html",
        {
            "page_title": f"{region.name}：{spec.label}",
            "region": region,
            "spec": spec,
            "form": form,
            "current": _display_value(spec, current.values[key]),
            "current_level": current.levels.get(key),
            "current_source": current.sources.get(key),
            "rows": [(r, _display_value(spec, spec.from_json(r.value))) for r in rows],
            "county_rows": [(r, _display_value(spec, spec.from_json(r.value))) for r in county_rows]
            if county_rows is not None
            else None,
            "default": _display_value(spec, spec.default),
        },
    )


# --- Calendar ---------------------------------------------------------------------------


@admin_required
def calendar(request):
    on = today()
    try:
        year = int(request.GET.get("year", on.year))
        month = int(request.GET.get("month", on.month))
        datetime.date(year, month, 1)
    except ValueError:
        year, month = on.year, on.month
    days = month_days(year, month)
    # weeks for the grid: Monday first
    lead = days[0].date.weekday()
    cells = [None] * lead + days
    cells += [None] * (-len(cells) % 7)
    weeks = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    prev_m = (datetime.date(year, month, 1) - datetime.timedelta(days=1)).replace(day=1)
    next_m = (datetime.date(year, month, 28) + datetime.timedelta(days=4)).replace(day=1)
    overrides = WorkdayOverride.objects.filter(date__year=year)
    first, last = package_years()
    years = sorted({on.year - 1, on.year, on.year + 1, year})
    return render(
        request,
        "manage/calendar.html",
        {
            "page_title": "工作日历",
            "year": year,
            "month": month,
            "weeks": weeks,
            "prev_m": prev_m,
            "next_m": next_m,
            "overrides": overrides,
            "package_range": (first, last),
            "year_status": [(y, year_confirmed(y), y <= last and y >= first) for y in years],
            "any_unconfirmed": any(not d.confirmed for d in days),
            "weekdays": "一二三四五六日",
        },
    )


@admin_required
def calendar_override(request, pk=None):
    instance = get_object_or_404(WorkdayOverride, pk=pk) if pk else None
    initial = {}
    if instance:
        initial = {
            "date": instance.date,
            "is_workday": "1" if instance.is_workday else "0",
            "note": instance.note,
        }
    elif request.GET.get("date"):
        initial = {"date": request.GET["date"]}
    form = WorkdayOverrideForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            obj = services.workday_override_save(
                actor=request.user, instance=instance, **form.cleaned_data
            )
            messages.success(request, f"已保存 {obj}")
            return redirect(
                f"{reverse('manage:calendar')}?year={obj.date.year}&month={obj.date.month}"
            )
    return render(
        request,
        "manage/form.html",
        {
            "page_title": "修改工作日调整" if instance else "新增工作日调整",
            "form": form,
            "back": reverse("manage:calendar"),
            "history_url": reverse("manage:history", args=["workdayoverride", instance.pk])
            if instance
            else None,
        },
    )


@admin_required
@require_POST
def calendar_delete(request, pk):
    obj = get_object_or_404(WorkdayOverride, pk=pk)
    label = str(obj)
    services.workday_override_delete(actor=request.user, override=obj)
    messages.success(request, f"已删除 {label}")
    return redirect(f"{reverse('manage:calendar')}?year={obj.date.year}&month={obj.date.month}")


# --- Assistance types -------------------------------------------------------------------


@admin_required
def types(request):
    return render(
        request,
        "manage/types.html",
        {"page_title": "救助类型", "types": AssistanceType.objects.all()},
    )


@admin_required
def type_edit(request, pk):
    atype = get_object_or_404(AssistanceType, pk=pk)
    form = AssistanceTypeForm(
        request.POST or None,
        initial={
            "name": atype.name,
            "workflow": atype.workflow,
            "active": atype.active,
            "sort_order": atype.sort_order,
        },
    )
    if request.method == "POST" and form.is_valid():
        with errors_at_fields(form):
            services.assistance_type_update(
                actor=request.user, assistance_type=atype, **form.cleaned_data
            )
            messages.success(request, f"已保存救助类型“{atype.name}”")
            return redirect("manage:types")
    return render(
        request,
        "manage/form.html",
        {
            "page_title": f"救助类型：{atype.code}",
            "form": form,
            "back": reverse("manage:types"),
            "history_url": reverse("manage:history", args=["assistancetype", atype.pk]),
        },
    )


# --- Change history ---------------------------------------------------------------------

#: model key → (model, selector returning the object for this user or raising 404, roles)
HISTORY_MODELS = {
    "region": (Region, lambda u, pk: selectors.region_get_for_user(user=u, pk=pk)),
    "user": (User, lambda u, pk: selectors.user_get_for_user(user=u, pk=pk)),
    "delegation": (Delegation, lambda u, pk: selectors.delegation_get_for_user(user=u, pk=pk)),
    "policysetting": (
        PolicySetting,
        lambda u, pk: selectors.policy_setting_get_for_user(user=u, pk=pk),
    ),
    "workdayoverride": (WorkdayOverride, None),
    "assistancetype": (AssistanceType, lambda u, pk: get_object_or_404(AssistanceType, pk=pk)),
}

_TYPE_LABELS = {"+": "新建", "~": "修改", "-": "删除"}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _humanize_changes(model, raw: list[tuple[str, object, object]]) -> list[dict]:
    """Field labels, choice labels and related objects' names instead of raw values; one
    query per related model."""
    wanted: dict = {}
    for name, old, new in raw:
        try:
            field = model._meta.get_field(name)
        except Exception:
            continue
        if field.is_relation and field.many_to_one:
            wanted.setdefault(field.related_model, set()).update(
                v for v in (old, new) if v is not None
            )
    resolved = {m: m._default_manager.in_bulk(list(ids)) for m, ids in wanted.items()}

    def show(field, value):
        if value is None or value == "":
            return None
        if field is None:
            return value
        if field.name == "id_number":  # PIPL: a staff ID number, masked in its history too
            return mask_id_number(str(value))
        if field.is_relation and field.many_to_one:
            obj = resolved.get(field.related_model, {}).get(value)
            return str(obj) if obj is not None else f"#{value}"
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return "是" if value else "否"
        return value

    rows = []
    for name, old, new in raw:
        try:
            field = model._meta.get_field(name)
        except Exception:
            field = None
        rows.append(
            {"field": _field_label(model, name), "old": show(field, old), "new": show(field, new)}
        )
    return rows


def _diff(model, old, new) -> list[tuple[str, object, object]]:
    """Every tracked field that differs, including non-editable ones (a delegation's
    status), which simple-history's diff_against leaves out."""
    changes = []
    for f in model._meta.concrete_fields:
        if f.primary_key or not hasattr(new, f.attname):
            continue
        a, b = getattr(old, f.attname, None), getattr(new, f.attname, None)
        if a != b:
            changes.append((f.name, a, b))
    return changes


def _history_rows(obj=None, *, model=None, pk=None) -> list[dict]:
    """Simple-history records oldest → newest, diffed pairwise (no query per record)."""
    model = model or type(obj)
    pk = pk if pk is not None else obj.pk
    records = list(
        model.history.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    rows, prev = [], None
    for rec in records:
        raw = []
        if prev is not None:
            raw = _diff(model, prev, rec)
        changes = _humanize_changes(model, raw)
        if (
            prev is not None
            and rec.history_type == "~"
            and not changes
            and not rec.history_change_reason
        ):
            prev = rec  # e.g. a login touching only last_login (not tracked): nothing to show
            continue
        rows.append(
            {
                "when": rec.history_date,
                "who": rec.history_user,
                "type": _TYPE_LABELS.get(rec.history_type, rec.history_type),
                "changes": changes,
                "reason": rec.history_change_reason,
            }
        )
        prev = rec
    rows.reverse()
    return rows


@supervision_required
def history(request, model, pk):
    if model not in HISTORY_MODELS:
        raise Http404
    model_cls, getter = HISTORY_MODELS[model]
    user = request.user
    # Supervisors may read delegation history only; everything else is the administrator's.
    if not user.is_administrator and model != "delegation":
        raise PermissionDenied("您没有访问此页面的权限")
    if getter is not None:
        obj = getter(user, pk)
        title = str(obj)
    else:
        rec = model_cls.history.filter(id=pk).order_by("-history_date").first()
        if rec is None:
            raise Http404
        title = str(rec.instance)
    rows = _history_rows(model=model_cls, pk=pk)
    return render(
        request,
        "manage/history.html",
        {
            "page_title": f"变更历史：{title}",
            "title": title,
            "model_label": model_cls._meta.verbose_name,
            "rows": rows,
        },
    )
