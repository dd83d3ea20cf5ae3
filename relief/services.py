"""Writes of the core models (regions, users, calendar, assistance types). Delegation
writes live in relief/delegation.py and policy writes in relief/policy.py.

Every service validates in Chinese, raising ``ValidationError({field: message})`` so a
form shows the message at the field, and runs in one transaction: nothing half-saved.
Change history is recorded by django-simple-history on every save.
"""

from __future__ import annotations

import datetime
import re

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from stdnum.cn import ric

from relief.models import ROLE_LEVEL, AssistanceType, Region, Role, User, WorkdayOverride
from relief.scoping import regions_for_user
from relief.tokens import token_issue, token_revoke

CODE_RE = re.compile(r"^\d{12}$")

#: How many leading digits of a child's code repeat its parent's (统计用区划代码:
#: 2 province + 2 city + 2 county + 3 township + 3 village).
_PREFIX = {Region.Level.TOWNSHIP: 6, Region.Level.VILLAGE: 9}


def _check_region_code(
    *, code: str, level: str, parent: Region | None, instance: Region | None = None
) -> None:
    if not CODE_RE.match(code or ""):
        raise ValidationError({"code": "区划代码须为12位数字"})
    clash = Region.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"code": f"区划代码 {code} 已被使用"})
    if level == Region.Level.COUNTY and not code.endswith("000000"):
        raise ValidationError({"code": "县(区)级代码后6位应为0"})
    if level == Region.Level.TOWNSHIP and not code.endswith("000"):
        raise ValidationError({"code": "乡镇(街道)级代码后3位应为0"})
    if level == Region.Level.VILLAGE and code.endswith("000"):
        raise ValidationError({"code": "村(社区)级代码后3位不能全为0"})
    if parent is not None and level in _PREFIX:
        # Region.Level is a str enum, so the str ``level`` finds its member.
        n = _PREFIX[level]  # type: ignore[index]
        if code[:n] != parent.code[:n]:
            raise ValidationError(
                {"code": f"代码前{n}位须与上级“{parent.name}”({parent.code[:n]})一致"}
            )


def _check_parent(*, level: str, parent: Region | None, actor: User) -> None:
    # Region.Level is a str enum, so the str ``level`` finds its member.
    expected = Region.PARENT_LEVEL.get(level)  # type: ignore[call-overload]
    if expected is None:
        if parent is not None:
            raise ValidationError({"parent": "县(区)不能有上级区划"})
        if not (actor.is_superuser and actor.region_id is None):
            raise ValidationError({"level": "只有系统超级管理员可以新建县(区)"})
        return
    if parent is None:
        raise ValidationError({"parent": f"请选择上级{Region.Level(expected).label}"})
    if parent.level != expected:
        raise ValidationError(
            {
                "parent": (
                    f"{Region.Level(level).label}的上级须为{Region.Level(expected).label}，"
                    f"不能是{parent.get_level_display()}"
                )
            }
        )
    if not parent.active:
        raise ValidationError({"parent": f"上级区划“{parent.name}”已停用"})
    if not regions_for_user(actor).filter(pk=parent.pk).exists():
        raise ValidationError({"parent": "只能在本人管辖的区划下新建"})


@transaction.atomic
def region_create(
    *, actor: User, code: str, name: str, level: str, parent: Region | None
) -> Region:
    code, name = (code or "").strip(), (name or "").strip()
    if level not in Region.Level.values:
        raise ValidationError({"level": "请选择层级"})
    if not name:
        raise ValidationError({"name": "请填写名称"})
    _check_parent(level=level, parent=parent, actor=actor)
    _check_region_code(code=code, level=level, parent=parent)
    return Region.objects.create(code=code, name=name, level=level, parent=parent)


@transaction.atomic
def region_update(*, actor: User, region: Region, code: str, name: str) -> Region:
    """Rename or re-code a region. Level and parent are fixed once created (cases and
    users point at it); a new code must still fit the parent and every child."""
    code, name = (code or "").strip(), (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    _check_region_code(code=code, level=region.level, parent=region.parent, instance=region)
    n = _PREFIX.get(
        Region.Level.VILLAGE if region.level == Region.Level.TOWNSHIP else Region.Level.TOWNSHIP
    )
    if region.level != Region.Level.VILLAGE and code != region.code:
        for child in region.children.all():
            if child.code[:n] != code[:n]:
                raise ValidationError(
                    {
                        "code": (
                            f"下级“{child.name}”的代码({child.code})与新代码前{n}位不一致，"
                            "请先调整下级"
                        )
                    }
                )
    region.code, region.name = code, name
    region.save()
    return region


@transaction.atomic
def region_set_active(*, actor: User, region: Region, active: bool) -> Region:
    """Deactivate (停用) a region no longer in use; it is never deleted because cases and
    users keep pointing at it. Refused while it still has active children or users."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    if not active:
        if region.children.filter(active=True).exists():
            raise ValidationError({"active": "请先停用全部下级区划"})
        n_users = region.users.filter(is_active=True).count()
        if n_users:
            raise ValidationError({"active": f"该区划仍有{n_users}个启用的用户，请先调整或停用"})
        if actor.region_id == region.pk:
            raise ValidationError({"active": "不能停用本人所在的区划"})
    elif region.parent is not None and not region.parent.active:
        raise ValidationError({"active": f"上级区划“{region.parent.name}”已停用，请先启用上级"})
    region.active = active
    # simple-history reads _change_reason off the instance; the stubs do not declare it.
    region._change_reason = "启用" if active else "停用"  # type: ignore[attr-defined]
    region.save()
    return region


def _check_role_scope(*, role: str, extra_role: str, region: Region | None, actor: User) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "请选择角色"})
    if extra_role:
        if extra_role not in Role.values:
            raise ValidationError({"extra_role": "请选择兼任角色"})
        if extra_role == role:
            raise ValidationError({"extra_role": "兼任角色不能与主要角色相同"})
        if ROLE_LEVEL[Role(extra_role)] != ROLE_LEVEL[Role(role)]:
            raise ValidationError(
                {
                    "extra_role": (
                        "兼任角色须与主要角色同一层级"
                        f"（{Region.Level(ROLE_LEVEL[Role(role)]).label}）"
                    )
                }
            )
    if region is None:
        raise ValidationError({"region": "请选择所属区划"})
    need = ROLE_LEVEL[Role(role)]
    if region.level != need:
        raise ValidationError(
            {
                "region": (
                    f"{Role(role).label}须归属{Region.Level(need).label}，"
                    f"不能是{region.get_level_display()}"
                )
            }
        )
    if not region.active:
        raise ValidationError({"region": f"区划“{region.name}”已停用"})
    if not regions_for_user(actor).filter(pk=region.pk).exists():
        raise ValidationError({"region": "只能分配到本人管辖的区划"})


def _check_id_number(id_number: str) -> str:
    id_number = (id_number or "").strip().upper()
    if id_number and not ric.is_valid(id_number):
        raise ValidationError({"id_number": "身份证号无效（须为18位且校验位正确）"})
    return id_number


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    full_name: str,
    role: str,
    region: Region | None,
    password: str,
    extra_role: str = "",
    phone: str = "",
    id_number: str = "",
) -> User:
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": "请填写用户名"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已存在"})
    _check_role_scope(role=role, extra_role=extra_role, region=region, actor=actor)
    id_number = _check_id_number(id_number)
    user = User(
        username=username,
        full_name=(full_name or "").strip(),
        role=role,
        extra_role=extra_role or "",
        region=region,
        phone=(phone or "").strip(),
        id_number=id_number,
    )
    user.is_staff = user.has_role(Role.ADMINISTRATOR)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages})
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    full_name: str,
    role: str,
    region: Region | None,
    extra_role: str = "",
    phone: str = "",
    id_number: str = "",
) -> User:
    _check_role_scope(role=role, extra_role=extra_role, region=region, actor=actor)
    if (
        user.pk == actor.pk
        and not (role == Role.ADMINISTRATOR or extra_role == Role.ADMINISTRATOR)
        and not actor.is_superuser
    ):
        raise ValidationError({"role": "不能取消本人的系统管理员角色"})
    user.full_name = (full_name or "").strip()
    user.role, user.extra_role, user.region = role, extra_role or "", region
    user.phone = (phone or "").strip()
    user.id_number = _check_id_number(id_number)
    if not user.is_superuser:
        user.is_staff = user.has_role(Role.ADMINISTRATOR)
    user.save()
    return user


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as e:
        raise ValidationError({"password": e.messages})
    user.set_password(password)
    # simple-history reads _change_reason off the instance; the stubs do not declare it.
    user._change_reason = f"{actor}重置密码"  # type: ignore[attr-defined]
    user.save()
    return user


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> User:
    if not active and user.pk == actor.pk:
        raise ValidationError({"is_active": "不能停用本人账号"})
    user.is_active = active
    # simple-history reads _change_reason off the instance; the stubs do not declare it.
    user._change_reason = "启用账号" if active else "停用账号"  # type: ignore[attr-defined]
    user.save(update_fields=["is_active"])
    if not active:
        token_revoke(user=user)
    return user


@transaction.atomic
def user_issue_token(*, actor: User, user: User) -> str:
    """Issue a new API token (the old one stops working) and return its key, shown once."""
    if not user.is_active:
        raise ValidationError("停用的账号不能签发接口令牌")
    return token_issue(user=user).key


@transaction.atomic
def user_revoke_token(*, actor: User, user: User) -> bool:
    """Revoke the user's API token at once (administrator); returns whether one existed."""
    return token_revoke(user=user)


@transaction.atomic
def workday_override_save(
    *,
    actor: User,
    date: datetime.date | None,
    is_workday: bool,
    note: str = "",
    instance: WorkdayOverride | None = None,
) -> WorkdayOverride:
    if date is None:
        raise ValidationError({"date": "请填写日期"})
    clash = WorkdayOverride.objects.filter(date=date)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"date": f"{date:%Y-%m-%d} 已有调整记录，请直接修改该记录"})
    obj = instance or WorkdayOverride()
    obj.date, obj.is_workday, obj.note = date, bool(is_workday), (note or "").strip()
    obj.save()
    return obj


@transaction.atomic
def workday_override_delete(*, actor: User, override: WorkdayOverride) -> None:
    override.delete()


@transaction.atomic
def assistance_type_update(
    *,
    actor: User,
    assistance_type: AssistanceType,
    name: str,
    workflow: str,
    active: bool,
    sort_order: int,
) -> AssistanceType:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写名称"})
    if workflow not in AssistanceType.Workflow.values:
        raise ValidationError({"workflow": "请选择适用流程"})
    if sort_order is None or sort_order < 0:
        raise ValidationError({"sort_order": "排序须为非负整数"})
    assistance_type.name, assistance_type.workflow = name, workflow
    assistance_type.active, assistance_type.sort_order = bool(active), sort_order
    assistance_type.save()
    return assistance_type
