"""Each role's home page: the user's region's cases by state, overdue and due-soon cases,
and for county and township users today's delegated power (relief.delegation)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from cases.home.selectors import home_context_for_user
from cases.states import OPEN_STATES, CaseState
from relief import selectors
from relief.delegation import holds_power_map, power_from_map
from relief.models import AssistanceType, Delegation, Region, Role, today
from relief.scoping import townships_for_user
from relief.workdays import year_confirmed

#: Shortcuts on each role's home page: (label, url name, style[, query string parameters]).
HOME_LINKS = {
    Role.VILLAGE_ASSISTANT: [
        ("登记新申请", "cases:application_new", "primary"),
        ("本村案件", "cases:list", "outline-primary"),
        ("通知", "notifications", "outline-secondary"),
    ],
    Role.TOWNSHIP_CLERK: [
        ("案件列表", "cases:list", "primary"),
        ("登记新申请", "cases:application_new", "outline-primary"),
        ("办理时限", "cases:dashboard", "outline-primary"),
        ("县级查询与整改", "review:queries", "outline-secondary"),
    ],
    Role.TOWNSHIP_APPROVER: [
        ("待审核确认", "cases:list", "primary", {"state": CaseState.REVIEW}),
        ("办理时限", "cases:dashboard", "outline-primary"),
        ("县级查询与整改", "review:queries", "outline-secondary"),
    ],
    Role.COUNTY_VERIFIER: [
        ("核对队列", "cases:check_queue", "primary"),
        ("案件列表", "cases:list", "outline-primary"),
    ],
    Role.COUNTY_SUPERVISOR: [
        ("备案收件箱", "review:inbox", "primary"),
        ("入户抽查", "review:campaigns", "outline-primary"),
        ("整改通知", "review:rectifications", "outline-primary"),
        ("投诉举报", "review:complaints", "outline-primary"),
        ("委托管理", "manage:delegations", "outline-primary"),
        ("统计", "review:stats", "outline-secondary"),
    ],
    Role.DEPARTMENT_OFFICER: [("转办给本部门的事项", "cases:referral_list", "primary")],
    Role.ADMINISTRATOR: [
        ("行政区划", "manage:regions", "outline-primary"),
        ("用户", "manage:users", "outline-primary"),
        ("委托", "manage:delegations", "outline-primary"),
        ("政策参数", "manage:policies", "outline-primary"),
        ("工作日历", "manage:calendar", "outline-primary"),
        ("救助类型", "manage:types", "outline-primary"),
        ("接口文档", "api-docs", "outline-secondary"),
    ],
}


def _links(role: str) -> list[dict]:
    links = []
    for label, name, style, *query in HOME_LINKS.get(role, []):
        url = reverse(name) + (f"?{urlencode(query[0])}" if query else "")
        links.append({"label": label, "url": url, "style": style})
    return links


def _delegation_summary(user) -> dict:
    """Today's power per township for the county home pages (relief.delegation rule)."""
    on = today()
    townships = list(townships_for_user(user).filter(active=True).order_by("code"))
    types = list(AssistanceType.objects.filter(active=True))
    deciding = holds_power_map(townships, types, on)
    rows, suspended = [], 0
    for t in townships:
        held = [a for a in types if power_from_map(deciding[(t.pk, a.pk)], on)]
        not_active = [
            a
            for a in types
            if deciding[(t.pk, a.pk)] is not None and not power_from_map(deciding[(t.pk, a.pk)], on)
        ]
        suspended += len(not_active)
        level = "full" if len(held) == len(types) and types else ("partial" if held else "none")
        rows.append(
            {
                "township": t,
                "held": held,
                "n_held": len(held),
                "level": level,
                "n_suspended": len(not_active),
            }
        )
    return {
        "delegation_rows": rows,
        "delegation_types_total": len(types),
        "delegation_counts": {
            "full": sum(r["level"] == "full" for r in rows),
            "partial": sum(r["level"] == "partial" for r in rows),
            "none": sum(r["level"] == "none" for r in rows),
        },
        "delegation_suspended": suspended,
    }


def _township_power(user) -> dict:
    """For township users: which types their township confirms itself today."""
    region = user.region
    if region is None or region.level != Region.Level.TOWNSHIP:
        return {}
    on = today()
    types = list(AssistanceType.objects.filter(active=True))
    deciding = holds_power_map([region], types, on)
    return {
        "township_power": [
            {"type": a, "holds": power_from_map(deciding[(region.pk, a.pk)], on)} for a in types
        ]
    }


def _calendar_warning() -> dict:
    next_year = today().year + 1
    return {"calendar_next_year": next_year, "calendar_next_year_known": year_confirmed(next_year)}


def _state_rows(cases_by_state: dict) -> list[dict]:
    """Counts by state in workflow order, open states (still being handled) flagged."""
    return [
        {"state": s, "label": label, "n": cases_by_state[s], "open": s in OPEN_STATES}
        for s, label in CaseState.choices
        if cases_by_state.get(s)
    ]


@login_required
def home(request):
    """A home page for each role, showing only the user's region's data."""
    user = request.user
    role = Role.ADMINISTRATOR if user.is_superuser and not user.role else user.role
    context = {"page_title": "首页", "role": role, **home_context_for_user(user=user)}
    context["state_rows"] = _state_rows(context.get("cases_by_state") or {})
    context["open_total"] = sum(r["n"] for r in context["state_rows"] if r["open"])
    context["closed_rows"] = [r for r in context["state_rows"] if not r["open"]]
    context["home_links"] = _links(role)
    context["cases_list_url"] = reverse("cases:list")
    if role == Role.ADMINISTRATOR:
        context.update(selectors.admin_counts_for_user(user=user))
        context.update(_delegation_summary(user))
        context.update(_calendar_warning())
        context["recent_delegation_events"] = selectors.delegation_events_for_user(
            user=user
        ).order_by("-created_at")[:5]
    elif role == Role.COUNTY_SUPERVISOR:
        context.update(_delegation_summary(user))
    elif role in (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER):
        context.update(_township_power(user))
    context["delegation_status"] = Delegation.Status
    return render(request, f"relief/home_{role}.html", context)
