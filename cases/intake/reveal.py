"""Revealing a masked ID number (PIPL, issue 16): a household member's or a near-relative
entry's full ID number, with one click on the page (htmx) or one API call, each reveal one
row of the core's log (``relief.personal_data.reveal_record``: who, whose, when, where).

Who may reveal: the township clerk and approver of the household's (the entry's) township,
and the county verifier for a member of a household whose economic check is in its queue
(the check needs the number). Another region's subject answers 404, a role that may not see
the value 403."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.intake.selectors import near_relative_get_for_user
from cases.models import EconomicCheck, Member, NearRelative
from relief.models import DataReveal, Role, User
from relief.personal_data import reveal_record, reveal_where
from relief.scoping import scope_by_region

#: The roles that see their own township's ID numbers in full on request.
TOWNSHIP_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)


def may_reveal_id_numbers(user: User) -> bool:
    """Whether to offer the 显示 button at all (the reveal itself checks the subject)."""
    return user.is_authenticated and user.has_role(*TOWNSHIP_ROLES, Role.COUNTY_VERIFIER)


def member_get_for_reveal(*, user: User, pk: int) -> Member:
    """The member, if in the user's region (404 otherwise) and the user's role may see its
    full ID number (403 otherwise)."""
    qs = scope_by_region(
        Member.objects.select_related("household", "household__township"),
        user,
        township_field="household__township",
        village_field="household__village",
    )
    member = get_object_or_404(qs, pk=pk)
    if user.has_role(*TOWNSHIP_ROLES):
        return member
    if user.has_role(Role.COUNTY_VERIFIER):
        checking = EconomicCheck.objects.filter(
            case__household_id=member.household_id, status=EconomicCheck.Status.REQUESTED
        ).exists()
        if checking:
            return member
        raise PermissionDenied("县核对机构只能查看核对中家庭成员的完整身份证号")
    raise PermissionDenied("只有本乡镇经办人、审核确认人可以查看完整身份证号")


def near_relative_get_for_reveal(*, user: User, pk: int) -> NearRelative:
    entry = near_relative_get_for_user(user=user, pk=pk)
    if not user.has_role(*TOWNSHIP_ROLES):
        raise PermissionDenied("只有本乡镇经办人、审核确认人可以查看亲属的完整身份证号")
    return entry


@transaction.atomic
def member_id_number_reveal(*, user: User, pk: int, where: dict) -> tuple[Member, str]:
    member = member_get_for_reveal(user=user, pk=pk)
    reveal_record(
        user=user,
        kind=DataReveal.Kind.ID_NUMBER,
        subject=member,
        subject_name=member.name,
        township=member.household.township,
        **where,
    )
    return member, member.id_number


@transaction.atomic
def near_relative_id_number_reveal(*, user: User, pk: int, where: dict) -> tuple[NearRelative, str]:
    entry = near_relative_get_for_reveal(user=user, pk=pk)
    reveal_record(
        user=user,
        kind=DataReveal.Kind.ID_NUMBER,
        subject=entry,
        subject_name=entry.relative_name,
        township=entry.township,
        **where,
    )
    return entry, entry.relative_id_number


# --- pages (htmx) ---------------------------------------------------------------------------
def _revealed(request, number: str, target: str):
    response = render(
        request, "cases/intake/_id_revealed.html", {"number": number, "target": target}
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def member_id_reveal(request, pk):
    member, number = member_id_number_reveal(user=request.user, pk=pk, where=reveal_where(request))
    return _revealed(request, number, f"idn-member-{member.pk}")


@login_required
@require_POST
def near_relative_id_reveal(request, pk):
    entry, number = near_relative_id_number_reveal(
        user=request.user, pk=pk, where=reveal_where(request)
    )
    return _revealed(request, number, f"idn-relative-{entry.pk}")


#: Included in cases/urls.py (namespace ``cases``).
page_urlpatterns = [
    path("members/<int:pk>/id-number/", member_id_reveal, name="member_id_reveal"),
    path(
        "near-relatives/<int:pk>/id-number/",
        near_relative_id_reveal,
        name="near_relative_id_reveal",
    ),
]


# --- API ------------------------------------------------------------------------------------
class RevealedIdNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="成员或登记条目编号")
    id_number = serializers.CharField(help_text="完整身份证号（本次查看已记录）")


class MemberIdNumberRevealAPI(APIView):
    @extend_schema(
        request=None,
        responses=RevealedIdNumberSerializer,
        summary="查看家庭成员完整身份证号（记录查看人、时间、地址）",
    )
    def post(self, request, pk):
        member, number = member_id_number_reveal(
            user=request.user, pk=pk, where=reveal_where(request)
        )
        response = Response({"id": member.pk, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response


class NearRelativeIdNumberRevealAPI(APIView):
    @extend_schema(
        request=None,
        responses=RevealedIdNumberSerializer,
        summary="查看近亲属登记条目中亲属的完整身份证号（记录查看人、时间、地址）",
    )
    def post(self, request, pk):
        entry, number = near_relative_id_number_reveal(
            user=request.user, pk=pk, where=reveal_where(request)
        )
        response = Response({"id": entry.pk, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response


#: Included in cases/api_urls.py (under /api/).
api_urlpatterns = [
    path(
        "personal-data/members/<int:pk>/id-number/reveal/",
        MemberIdNumberRevealAPI.as_view(),
        name="member-id-number-reveal",
    ),
    path(
        "personal-data/near-relatives/<int:pk>/id-number/reveal/",
        NearRelativeIdNumberRevealAPI.as_view(),
        name="near-relative-id-number-reveal",
    ),
]
