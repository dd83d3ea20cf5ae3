"""Revealing masked personal data (PIPL, issue 16): a household member's full ID number,
health (重病/慢性病) or disability (残疾类别、等级), or a near-relative entry's full ID number,
with one click on the page (htmx) or one API call, each reveal one row of the core's log
(``relief.personal_data.reveal_record``: who, whose, which kind, when, where).

One view (page) and one API view serve every kind; the URL gives the kind (``kind`` is a
keyword of the view, a key of :data:`MEMBER_KINDS`).

Who may reveal: the township clerk and approver of the household's (the entry's) township;
the county verifier a member's ID number while the household's economic check is in its
queue (the check queries the databases by ID number). The check is of income and assets
(``cases/intake/check_return.html`` asks for nothing else), so the verifier never needs a
member's health or disability: refused. Another region's subject answers 404, a role that may
not see the value 403 (nothing logged).

The member edit form shows the stored values to whoever may edit the household
(:func:`member_edit_reveal`): that display is logged as a reveal of each kind it shows."""

from __future__ import annotations

from dataclasses import dataclass

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

from cases.access import RECUSED
from cases.intake.selectors import near_relative_get_for_user
from cases.models import EconomicCheck, Member, NearRelative
from cases.rules import is_recused_from_household
from relief.models import DataReveal, Role, User
from relief.personal_data import reveal_record, reveal_records, reveal_where
from relief.scoping import scope_by_region

#: The roles that see their own township's personal data in full on request.
TOWNSHIP_ROLES = (Role.TOWNSHIP_CLERK, Role.TOWNSHIP_APPROVER)


@dataclass(frozen=True)
class MemberKind:
    """One kind of a member's personal data: its log kind, what the refusals call it, the
    prefix of the page element the htmx reveal replaces."""

    kind: str
    label: str
    target: str


MEMBER_KINDS = {
    "id_number": MemberKind(DataReveal.Kind.ID_NUMBER, "完整身份证号", "idn-member"),
    "health": MemberKind(DataReveal.Kind.HEALTH, "健康状况（重病/慢性病）", "hlt-member"),
    "disability": MemberKind(DataReveal.Kind.DISABILITY, "残疾情况", "dis-member"),
}


def disability_text(member: Member) -> str:
    """``肢体残疾2级``; blank when none is recorded."""
    if not member.disability_type and not member.disability_grade:
        return ""
    grade = f"{member.disability_grade}级" if member.disability_grade else ""
    return f"{member.disability_type}残疾{grade}"


def member_values(member: Member, kind: str) -> dict:
    """The full value(s) of ``kind`` as the API answers them."""
    if kind == "health":
        return {"serious_illness": member.serious_illness}
    if kind == "disability":
        return {
            "disability_type": member.disability_type,
            "disability_grade": member.disability_grade,
        }
    return {"id_number": member.id_number}


def member_value_text(member: Member, kind: str) -> str:
    """The full value of ``kind`` as the page shows it."""
    if kind == "health":
        return member.serious_illness
    if kind == "disability":
        return disability_text(member)
    return member.id_number


def recorded_kinds(member: Member) -> list[str]:
    """The kinds of ``member`` that hold a value (the ID number always does)."""
    kinds = ["id_number"]
    if member.serious_illness:
        kinds.append("health")
    if disability_text(member):
        kinds.append("disability")
    return kinds


def may_reveal_id_numbers(user: User) -> bool:
    """Whether to offer the 显示 button at all (the reveal itself checks the subject)."""
    return may_reveal(user, "id_number")


def may_reveal(user: User, kind: str) -> bool:
    """Whether to offer the 显示 button for ``kind`` (the reveal itself checks the subject)."""
    if not user.is_authenticated:
        return False
    if kind == "id_number":
        return user.has_role(*TOWNSHIP_ROLES, Role.COUNTY_VERIFIER)
    return user.has_role(*TOWNSHIP_ROLES)


def member_get_for_reveal(*, user: User, pk: int, kind: str = "id_number") -> Member:
    """The member, if in the user's region (404 otherwise) and the user's role may see its
    full ``kind`` value (403 otherwise)."""
    qs = scope_by_region(
        Member.objects.select_related("household", "household__township"),
        user,
        township_field="household__township",
        village_field="household__village",
    )
    member = get_object_or_404(qs, pk=pk)
    if user.has_role(*TOWNSHIP_ROLES):
        if is_recused_from_household(member.household, user):
            # (A Art.11) the worker recused from the household reads none of its data
            raise PermissionDenied(f"{RECUSED}，不能查看该家庭成员的{MEMBER_KINDS[kind].label}")
        return member
    label = MEMBER_KINDS[kind].label
    if user.has_role(Role.COUNTY_VERIFIER):
        if kind != "id_number":
            raise PermissionDenied(f"县核对机构核对收入和财产，不能查看家庭成员的{label}")
        checking = EconomicCheck.objects.filter(
            case__household_id=member.household_id, status=EconomicCheck.Status.REQUESTED
        ).exists()
        if checking:
            return member
        raise PermissionDenied("县核对机构只能查看核对中家庭成员的完整身份证号")
    raise PermissionDenied(f"只有本乡镇经办人、审核确认人可以查看{label}")


def near_relative_get_for_reveal(*, user: User, pk: int) -> NearRelative:
    entry = near_relative_get_for_user(user=user, pk=pk)
    if not user.has_role(*TOWNSHIP_ROLES):
        raise PermissionDenied("只有本乡镇经办人、审核确认人可以查看亲属的完整身份证号")
    return entry


def _record_member(*, user: User, member: Member, kind: str, where: dict) -> None:
    reveal_record(
        user=user,
        kind=MEMBER_KINDS[kind].kind,
        subject=member,
        subject_name=member.name,
        township=member.household.township,
        **where,
    )


@transaction.atomic
def member_data_reveal(*, user: User, pk: int, kind: str, where: dict) -> Member:
    """Reveal ``member``'s ``kind`` value to ``user``: checked, then logged (one row)."""
    member = member_get_for_reveal(user=user, pk=pk, kind=kind)
    _record_member(user=user, member=member, kind=kind, where=where)
    return member


@transaction.atomic
def member_edit_reveal(*, user: User, member: Member, where: dict) -> None:
    """The member edit form shows the stored values to its editor (the caller checked the
    editor may edit the household): one logged reveal for each kind it shows."""
    for kind in recorded_kinds(member):
        _record_member(user=user, member=member, kind=kind, where=where)


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


@transaction.atomic
def check_queue_id_numbers_reveal(*, user: User, checks: list[EconomicCheck], where: dict) -> None:
    """The check queue answered to the county verifier carries its members' full ID numbers
    (the check queries the databases by ID number and the report is keyed by it): one logged
    reveal per member served, in the answer's transaction."""
    reveal_records(
        user=user,
        kind=DataReveal.Kind.ID_NUMBER,
        subjects=[
            (m, m.name, check.case.township)
            for check in checks
            for m in check.case.household.members.all()
        ],
        **where,
    )


# --- pages (htmx) ---------------------------------------------------------------------------
def _revealed(request, value: str, target: str, *, mono: bool = True):
    response = render(
        request,
        "cases/intake/_id_revealed.html",
        {"number": value, "target": target, "mono": mono},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def member_reveal(request, pk, kind="id_number"):
    """One member's masked ``kind`` value in full (the URL gives the kind)."""
    member = member_data_reveal(user=request.user, pk=pk, kind=kind, where=reveal_where(request))
    return _revealed(
        request,
        member_value_text(member, kind),
        f"{MEMBER_KINDS[kind].target}-{member.pk}",
        mono=kind == "id_number",
    )


@login_required
@require_POST
def near_relative_id_reveal(request, pk):
    entry, number = near_relative_id_number_reveal(
        user=request.user, pk=pk, where=reveal_where(request)
    )
    return _revealed(request, number, f"idn-relative-{entry.pk}")


#: Included in cases/urls.py (namespace ``cases``).
page_urlpatterns = [
    path("members/<int:pk>/id-number/", member_reveal, name="member_id_reveal"),
    path(
        "members/<int:pk>/health/",
        member_reveal,
        {"kind": "health"},
        name="member_health_reveal",
    ),
    path(
        "members/<int:pk>/disability/",
        member_reveal,
        {"kind": "disability"},
        name="member_disability_reveal",
    ),
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


class RevealedMemberDataSerializer(serializers.Serializer):
    """What a member reveal answers: the member and the fields of the kind revealed (the ID
    number; the illness; the disability's type and grade), each reveal logged."""

    id = serializers.IntegerField(help_text="成员编号")
    id_number = serializers.CharField(
        required=False, help_text="完整身份证号（仅查看身份证号时返回；本次查看已记录）"
    )
    serious_illness = serializers.CharField(
        required=False, help_text="重病/慢性病（仅查看健康状况时返回；本次查看已记录）"
    )
    disability_type = serializers.CharField(
        required=False, help_text="残疾类别（仅查看残疾情况时返回；本次查看已记录）"
    )
    disability_grade = serializers.IntegerField(
        required=False, allow_null=True, help_text="残疾等级（仅查看残疾情况时返回）"
    )


class MemberRevealAPI(APIView):
    """One member's ``kind`` value in full (the URL gives the kind)."""

    kind = "id_number"

    @extend_schema(
        request=None,
        responses=RevealedMemberDataSerializer,
        summary="查看家庭成员的完整个人信息（身份证号、健康状况或残疾情况；记录查看人、时间、地址）",
    )
    def post(self, request, pk, kind=None):
        kind = kind or self.kind
        member = member_data_reveal(
            user=request.user, pk=pk, kind=kind, where=reveal_where(request)
        )
        response = Response({"id": member.pk, **member_values(member, kind)})
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
        MemberRevealAPI.as_view(),
        name="member-id-number-reveal",
    ),
    path(
        "personal-data/members/<int:pk>/health/reveal/",
        MemberRevealAPI.as_view(),
        {"kind": "health"},
        name="member-health-reveal",
    ),
    path(
        "personal-data/members/<int:pk>/disability/reveal/",
        MemberRevealAPI.as_view(),
        {"kind": "disability"},
        name="member-disability-reveal",
    ),
    path(
        "personal-data/near-relatives/<int:pk>/id-number/reveal/",
        NearRelativeIdNumberRevealAPI.as_view(),
        name="near-relative-id-number-reveal",
    ),
]
