"""Region scoping, the one place that turns a user into the set of rows they may see.

Each app's selectors (``case_get_for_user``, ``household_list_for_user`` …) call
``scope_by_region``; no view filters by region on its own. A row outside the user's
region is simply not in the queryset, so a detail view answers 404, never 403.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from relief.models import Region, Role

#: Roles that see no region's rows at all: a department user (Role.DEPARTMENT_OFFICER) sees
#: only the referrals addressed to its department (cases.referrals.selectors).
UNSCOPED_ROLES = frozenset({Role.DEPARTMENT_OFFICER})


def _sees_no_region(user) -> bool:
    roles = getattr(user, "roles", None) or set()
    return bool(roles) and roles <= UNSCOPED_ROLES


def region_q(user, *, township_field: str = "township", village_field: str | None = "village") -> Q:
    """Q restricting rows to the user's region. County-level users see their county's
    townships; township users their township; village assistants their village."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser and user.region_id is None:
        return Q()
    region = user.region
    if region is None or not region.active or _sees_no_region(user):
        return Q(pk__in=[])
    if region.level == Region.Level.COUNTY:
        return Q(**{f"{township_field}__parent": region.pk})
    if region.level == Region.Level.TOWNSHIP:
        return Q(**{township_field: region.pk})
    if village_field is None:
        return Q(pk__in=[])
    return Q(**{village_field: region.pk})


def scope_by_region(
    qs: QuerySet, user, *, township_field: str = "township", village_field: str | None = "village"
) -> QuerySet:
    return qs.filter(region_q(user, township_field=township_field, village_field=village_field))


def regions_for_user(user) -> QuerySet:
    """Regions the user may see (their own node and everything below it)."""
    qs = Region.objects.select_related("parent", "parent__parent")
    if user.is_authenticated and user.is_superuser and user.region_id is None:
        return qs
    if not user.is_authenticated:
        return qs.none()
    region = user.region
    if region is None or not region.active or _sees_no_region(user):
        return qs.none()
    if region.level == Region.Level.COUNTY:
        return qs.filter(Q(pk=region.pk) | Q(parent=region) | Q(parent__parent=region))
    if region.level == Region.Level.TOWNSHIP:
        return qs.filter(Q(pk=region.pk) | Q(parent=region))
    return qs.filter(pk=region.pk)


def townships_for_user(user) -> QuerySet:
    return regions_for_user(user).filter(level=Region.Level.TOWNSHIP)


def villages_for_user(user) -> QuerySet:
    return regions_for_user(user).filter(level=Region.Level.VILLAGE)
