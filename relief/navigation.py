"""Role-aware navigation. Apps register entries here; an entry whose URL name does not
resolve yet is skipped, so the menu only ever shows pages that exist."""

from __future__ import annotations

from dataclasses import dataclass

from relief.models import Role

ALL = tuple(Role.values)
TOWNSHIP = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)
COUNTY = (Role.COUNTY_VERIFIER, Role.COUNTY_SUPERVISOR)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple[str, ...]
    order: int = 50


NAV_ITEMS: list[NavItem] = [
    NavItem("首页", "home", ALL, 0),
    NavItem("案件", "cases:list", (Role.VILLAGE_ASSISTANT, *TOWNSHIP, *COUNTY), 10),
    NavItem("核对队列", "cases:check_queue", (Role.COUNTY_VERIFIER,), 20),
    NavItem("登记申请", "cases:application_new", (Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CLERK), 11),
    NavItem("公示", "cases:notice_batches", (Role.VILLAGE_ASSISTANT, Role.TOWNSHIP_CLERK), 12),
    NavItem("导入核对结果", "cases:check_import", (Role.COUNTY_VERIFIER,), 21),
    NavItem(
        "近亲属备案",
        "cases:near_relatives",
        (*TOWNSHIP, Role.COUNTY_SUPERVISOR, Role.ADMINISTRATOR),
        30,
    ),
    NavItem("备案收件箱", "review:inbox", (Role.COUNTY_SUPERVISOR,), 40),
    NavItem("统计", "review:stats", (Role.COUNTY_SUPERVISOR, Role.ADMINISTRATOR), 60),
    NavItem("时限看板", "cases:dashboard", (*TOWNSHIP, *COUNTY, Role.ADMINISTRATOR), 61),
    NavItem("信息查看记录", "reveals:list", (Role.COUNTY_SUPERVISOR, Role.TOWNSHIP_CLERK), 62),
    NavItem("失败任务", "cases:failed_tasks", (Role.ADMINISTRATOR,), 89),
    NavItem("区划", "manage:regions", (Role.ADMINISTRATOR,), 80),
    NavItem("用户", "manage:users", (Role.ADMINISTRATOR,), 81),
    NavItem("委托", "manage:delegations", (Role.ADMINISTRATOR, Role.COUNTY_SUPERVISOR), 82),
    NavItem("政策参数", "manage:policies", (Role.ADMINISTRATOR,), 83),
    NavItem("工作日历", "manage:calendar", (Role.ADMINISTRATOR,), 84),
    NavItem("救助类型", "manage:types", (Role.ADMINISTRATOR,), 85),
    NavItem("接口文档", "api-docs", (Role.ADMINISTRATOR,), 90),
]


def register(item: NavItem) -> None:
    NAV_ITEMS.append(item)
