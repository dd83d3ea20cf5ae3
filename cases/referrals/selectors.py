"""Reads of referrals and the contact list, through region scoping (relief/scoping.py):
another township's referral is not in the queryset (404)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from cases.models import Department, Referral
from cases.referrals.services import county_of
from relief.models import Role, User
from relief.scoping import scope_by_region


def is_department_user(user: User) -> bool:
    """A user whose only role is Role.DEPARTMENT_OFFICER (region scoping gives it no rows)."""
    return bool(user.roles) and user.roles <= {Role.DEPARTMENT_OFFICER}


def referral_list_for_user(*, user: User, open_only: bool = False) -> QuerySet[Referral]:
    """The township's (county's) referrals by region; a department user's: only those
    addressed to its own departments of its county."""
    if is_department_user(user):
        county = county_of(user)
        base = (
            Referral.objects.filter(department__members=user, department__county=county)
            if county is not None
            else Referral.objects.none()
        )
    else:
        base = scope_by_region(
            Referral.objects.all(), user, township_field="case__township", village_field=None
        )
    qs = base.select_related("case", "case__township", "department", "referred_by")
    if open_only:
        qs = qs.filter(answered_on__isnull=True)
    return qs.order_by("referred_at", "pk") if open_only else qs


def referral_get_for_user(*, user: User, pk: int) -> Referral:
    return get_object_or_404(referral_list_for_user(user=user), pk=pk)


def departments_for_user(*, user: User, active_only: bool = False) -> QuerySet[Department]:
    county = county_of(user)
    qs = Department.objects.filter(county=county) if county else Department.objects.none()
    return qs.filter(active=True) if active_only else qs
