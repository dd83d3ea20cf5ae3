"""Reads of the core models, always through region scoping (relief/scoping.py). Every
view and API view of the relief app gets its rows here, so a row outside the user's
region is a 404.

Assistance types and the working-day calendar are national/county-wide reference data,
readable by every signed-in user and writable only by administrators.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from relief.models import (
    AssistanceType,
    Delegation,
    DelegationEvent,
    Notification,
    PolicySetting,
    Region,
    Role,
    User,
    WorkdayOverride,
)
from relief.scoping import regions_for_user, scope_by_region, townships_for_user


def region_list_for_user(*, user: User) -> QuerySet[Region]:
    return regions_for_user(user).order_by("code")


def region_get_for_user(*, user: User, pk: int) -> Region:
    return get_object_or_404(region_list_for_user(user=user), pk=pk)


def region_tree_for_user(*, user: User) -> list[dict]:
    """County → townships → villages as nested dicts, from one query."""
    regions = list(region_list_for_user(user=user).annotate(n_users=Count("users")))
    children: dict[int | None, list[Region]] = {}
    ids = {r.pk for r in regions}
    roots = []
    for r in regions:
        if r.parent_id in ids:
            children.setdefault(r.parent_id, []).append(r)
        else:
            roots.append(r)

    def node(r: Region) -> dict:
        return {"region": r, "children": [node(c) for c in children.get(r.pk, [])]}

    return [node(r) for r in roots]


def user_list_for_user(*, user: User) -> QuerySet[User]:
    """Accounts whose region lies inside the user's region (administrators: their county)."""
    qs = User.objects.select_related("region", "region__parent").order_by(
        "region__code", "username"
    )
    if user.is_authenticated and user.is_superuser and user.region_id is None:
        return qs
    return qs.filter(region__in=regions_for_user(user).values("pk"))


def user_get_for_user(*, user: User, pk: int) -> User:
    return get_object_or_404(user_list_for_user(user=user), pk=pk)


def delegation_list_for_user(*, user: User) -> QuerySet[Delegation]:
    qs = Delegation.objects.select_related("township", "assistance_type")
    return scope_by_region(qs, user, village_field=None)


def delegation_get_for_user(*, user: User, pk: int) -> Delegation:
    return get_object_or_404(delegation_list_for_user(user=user), pk=pk)


def delegation_events_for_user(*, user: User) -> QuerySet[DelegationEvent]:
    qs = DelegationEvent.objects.select_related(
        "delegation__township", "delegation__assistance_type", "actor"
    )
    return scope_by_region(qs, user, township_field="delegation__township", village_field=None)


def township_get_for_user(*, user: User, code_or_pk: str | int, by_code: bool = True) -> Region:
    qs = townships_for_user(user)
    return get_object_or_404(qs, **({"code": code_or_pk} if by_code else {"pk": code_or_pk}))


def policy_regions_for_user(*, user: User) -> QuerySet[Region]:
    """Regions the user may read policy settings of: their county and its townships."""
    return region_list_for_user(user=user).filter(
        level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]
    )


def policy_settings_for_user(*, user: User) -> QuerySet[PolicySetting]:
    return PolicySetting.objects.filter(
        region__in=policy_regions_for_user(user=user).values("pk")
    ).select_related("region", "created_by")


def policy_setting_get_for_user(*, user: User, pk: int) -> PolicySetting:
    return get_object_or_404(policy_settings_for_user(user=user), pk=pk)


def assistance_type_list(*, active_only: bool = False) -> QuerySet[AssistanceType]:
    qs = AssistanceType.objects.all()
    return qs.filter(active=True) if active_only else qs


def workday_override_list() -> QuerySet[WorkdayOverride]:
    return WorkdayOverride.objects.all()


def notification_list_for_user(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def admin_counts_for_user(*, user: User) -> dict:
    """Figures for the administrator's home page.

    Regions by level and users by role, one query each.
    """
    regions = region_list_for_user(user=user).order_by().values("level").annotate(n=Count("pk"))
    users = (
        user_list_for_user(user=user)
        .order_by()
        .values("role")
        .annotate(n=Count("pk"), n_active=Count("pk", filter=Q(is_active=True)))
    )
    return {
        "regions_by_level": {r["level"]: r["n"] for r in regions},
        "users_by_role": [
            {"role": Role(u["role"]).label, "n": u["n"], "n_active": u["n_active"]}
            for u in users
            if u["role"]
        ],
    }
