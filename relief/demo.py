"""Demo county for `make run` and the browser tests: one county, five townships (a fully
delegated pilot, a partial one, one without delegation, two more), villages with real-shaped
12-digit 区划代码, one account per role, delegations and a township policy override."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction

from relief.assistance_types import ensure_assistance_types
from relief.models import AssistanceType, Delegation, Region, Role, User
from relief.policy import policy_set

DEMO_PASSWORD = "Relief-demo-2026"

COUNTY = ("340521000000", "当涂县")
# code, name, delegation phase (None = no delegation), delegated categories, villages
TOWNSHIPS = [
    (
        "340521100000",
        "姑孰镇",
        Delegation.Phase.PILOT,
        ("dibao", "tekun", "temporary", "other"),
        ["城东社区", "桃花村", "龙山村", "新桥村"],
    ),
    (
        "340521101000",
        "黄池镇",
        Delegation.Phase.PARTIAL,
        ("dibao",),
        ["黄池社区", "杨桥村", "新沟村"],
    ),
    ("340521102000", "乌溪镇", None, (), ["乌溪社区", "七房村", "三汊河村"]),
    (
        "340521103000",
        "石桥镇",
        Delegation.Phase.FULL,
        ("dibao", "tekun", "temporary", "other"),
        ["石桥社区", "陶庄村", "双塔村"],
    ),
    (
        "340521104000",
        "太白镇",
        Delegation.Phase.FULL,
        ("dibao", "tekun", "temporary", "other"),
        ["太白社区", "新市村", "薛津村"],
    ),
]

DELEGATION_START = datetime.date(2021, 11, 1)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    region_code: str
    extra_role: str = ""


ACCOUNTS = [
    DemoAccount("admin", "王建国", Role.ADMINISTRATOR, COUNTY[0]),
    DemoAccount("supervisor", "李慧敏", Role.COUNTY_SUPERVISOR, COUNTY[0]),
    DemoAccount("verifier", "赵志强", Role.COUNTY_VERIFIER, COUNTY[0]),
    DemoAccount("clerk", "陈晓燕", Role.TOWNSHIP_CLERK, "340521100000"),
    DemoAccount("approver", "刘德明", Role.TOWNSHIP_APPROVER, "340521100000"),
    DemoAccount("assistant", "张秀英", Role.VILLAGE_ASSISTANT, "340521100201"),
    DemoAccount("clerk_huangchi", "周丽华", Role.TOWNSHIP_CLERK, "340521101000"),
    DemoAccount("approver_huangchi", "孙国庆", Role.TOWNSHIP_APPROVER, "340521101000"),
    DemoAccount(
        "clerk_wuxi",
        "吴海波",
        Role.TOWNSHIP_CLERK,
        "340521102000",
        extra_role=Role.TOWNSHIP_APPROVER,
    ),
    DemoAccount("assistant_wuxi", "郑桂兰", Role.VILLAGE_ASSISTANT, "340521102201"),
    # 一门受理、协同办理: the county's 医疗保障局 user (cases.referrals.demo links the department).
    DemoAccount("dept_yibao", "钱立群", Role.DEPARTMENT_OFFICER, COUNTY[0]),
    DemoAccount("clerk_shiqiao", "黄文斌", Role.TOWNSHIP_CLERK, "340521103000"),
    DemoAccount("approver_shiqiao", "徐春梅", Role.TOWNSHIP_APPROVER, "340521103000"),
    DemoAccount("clerk_taibai", "何立新", Role.TOWNSHIP_CLERK, "340521104000"),
    DemoAccount("approver_taibai", "罗美玲", Role.TOWNSHIP_APPROVER, "340521104000"),
]


def village_code(township_code: str, index: int) -> str:
    # 村级代码: 乡镇9位 + 2xx (村委会) — the pattern of 统计用区划代码
    return f"{township_code[:9]}{201 + index:03d}"


@transaction.atomic
def seed_regions_and_accounts(*, stdout=None) -> list[DemoAccount]:
    ensure_assistance_types(AssistanceType)
    county, _ = Region.objects.update_or_create(
        code=COUNTY[0], defaults={"name": COUNTY[1], "level": Region.Level.COUNTY, "parent": None}
    )
    admin_user = None
    types = list(AssistanceType.objects.all())
    for code, name, phase, categories, villages in TOWNSHIPS:
        township, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": Region.Level.TOWNSHIP, "parent": county}
        )
        for i, village in enumerate(villages):
            Region.objects.update_or_create(
                code=village_code(code, i),
                defaults={"name": village, "level": Region.Level.VILLAGE, "parent": township},
            )
        if phase is None:
            continue
        for atype in types:
            if atype.category not in categories:
                continue
            Delegation.objects.get_or_create(
                township=township,
                assistance_type=atype,
                document_no=(
                    "当政委〔2021〕"
                    f"{10 + TOWNSHIPS.index((code, name, phase, categories, villages))}号"
                ),
                defaults={
                    "document_date": DELEGATION_START - datetime.timedelta(days=10),
                    "effective_from": DELEGATION_START,
                    "phase": phase,
                },
            )

    for account in ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "full_name": account.full_name,
                "role": account.role,
                "extra_role": account.extra_role,
                "region": Region.objects.get(code=account.region_code),
                "is_staff": account.role == Role.ADMINISTRATOR,
                "is_superuser": account.role == Role.ADMINISTRATOR,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if account.role == Role.ADMINISTRATOR:
            admin_user = user

    # 石桥镇 follows 凫城镇's variant (seed 002): 12-day limit, check and visit in parallel,
    # no evaluation, result notice after confirmation.
    shiqiao = Region.objects.get(code="340521103000")
    if not shiqiao.policies.exists():
        for key, value in [
            ("dibao_limit_delegated_wd", 12),
            ("parallel_check_visit", True),
            ("evaluation_mode", "never"),
            ("notice_timing", "after"),
        ]:
            policy_set(
                region=shiqiao,
                key=key,
                raw_value=value,
                effective_from=DELEGATION_START,
                actor=admin_user,
                note="参照凫城镇实施意见",
            )
    return ACCOUNTS
